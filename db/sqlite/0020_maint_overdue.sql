-- 0020_maint_overdue.sql - the overdue check of the maintenance workplace (lib/pf/maint/overdue.c;
-- docs/maintenance.md): when a visit planned before today (JST) and not recorded was notified,
-- so that it is notified once.
ALTER TABLE maint_visits ADD COLUMN overdue_notified_at INTEGER;  -- ms, NULL = not yet
CREATE INDEX maint_visits_due ON maint_visits (planned_on) WHERE inspection_id IS NULL
    AND overdue_notified_at IS NULL;
