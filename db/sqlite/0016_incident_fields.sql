-- 0016_incident_fields.sql - what an operator fills in when opening an incident from the portal
-- (障害状況管理, issue 13): its severity (1 = most severe, as alarms), the facility it is about
-- (a facility code of the tenant's master, '' = none) and a description.
ALTER TABLE incidents ADD COLUMN severity INTEGER NOT NULL DEFAULT 3 CHECK (severity BETWEEN 1 AND 4);
ALTER TABLE incidents ADD COLUMN facility TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN description TEXT NOT NULL DEFAULT '';
