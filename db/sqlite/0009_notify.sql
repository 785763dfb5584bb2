-- 0009_notify.sql - on-call contact lists (連絡体制表), the e-mail outbox, alarm escalations,
-- incidents (障害状況管理), SLA probe minutes and announced maintenance windows.

-- A contact list of a tenant, for one facility or (facility '') the whole tenant. Submitted,
-- then approved by another operator admin (four eyes); only the approved list of a scope is
-- used, and approving a new one supersedes the old.
CREATE TABLE contact_lists (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    org_id       INTEGER NOT NULL,                        -- the submitter's organisation
    facility     TEXT NOT NULL DEFAULT '',                -- facility code, '' = whole tenant
    name         TEXT NOT NULL,
    entries      TEXT NOT NULL,                           -- JSON array, validated (contact.c)
    status       TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected',
                                                 'superseded')),
    submitted_by INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL,
    decided_by   INTEGER NOT NULL DEFAULT 0,
    decided_at   INTEGER NOT NULL DEFAULT 0,
    reason       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX contact_lists_scope ON contact_lists (tenant_id, facility, status);

-- Every e-mail is written here before it is sent, and stays: the notification log.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    kind        TEXT NOT NULL,                            -- alarm, escalation, digest, resource, test
    alarm_id    INTEGER NOT NULL DEFAULT 0,
    step        INTEGER NOT NULL DEFAULT 0,               -- escalation step of the contact
    rcpt        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,                         -- when the worker (re)tries
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER NOT NULL DEFAULT 0,
    smtp_code   INTEGER NOT NULL DEFAULT 0,               -- last SMTP reply code (0: no reply)
    smtp_result TEXT NOT NULL DEFAULT ''                  -- its text, or why there was none
) STRICT;
CREATE INDEX notifications_due ON notifications (state, next_at);
CREATE INDEX notifications_tenant ON notifications (tenant_id, id);

-- An alarm being escalated until someone acknowledges it.
CREATE TABLE notify_escalations (
    alarm_id   INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL,
    list_id    INTEGER NOT NULL,
    severity   INTEGER NOT NULL,
    step       INTEGER NOT NULL,                          -- last step notified
    rounds     INTEGER NOT NULL DEFAULT 0,                -- times the ladder started again
    next_at    INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('active', 'acked', 'done')),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notify_escalations_due ON notify_escalations (state, next_at);

CREATE TABLE incidents (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    org_id     INTEGER NOT NULL,                          -- the organisation handling it
    title      TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('open', 'investigating', 'resolved', 'closed')),
    alarm_ids  TEXT NOT NULL DEFAULT '[]',                -- JSON arrays of ids
    group_ids  TEXT NOT NULL DEFAULT '[]',
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX incidents_tenant ON incidents (tenant_id, id);

CREATE TABLE incident_history (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at          INTEGER NOT NULL,
    by_user     INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX incident_history_incident ON incident_history (incident_id, id);

-- One row per minute the probes ran: 1 = the service answered, 0 = it did not.
CREATE TABLE sla_minutes (
    minute  INTEGER PRIMARY KEY,                          -- ms of the minute's start, UTC
    apif    INTEGER NOT NULL,
    storage INTEGER NOT NULL,
    gwif    INTEGER NOT NULL
) STRICT;

CREATE TABLE maintenance (
    id         INTEGER PRIMARY KEY,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    title      TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
