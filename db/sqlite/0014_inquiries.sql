-- 0014_inquiries.sql - inquiries (問い合わせ対応, 表2-1 No.2): a user opens one to the platform
-- operator or to its tenant's admins; replies, status changes and attached files are its thread.
CREATE TABLE inquiries (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),  -- the opener's home tenant
    org_id     INTEGER NOT NULL REFERENCES orgs (id),     -- the opener's organisation
    opened_by  INTEGER NOT NULL REFERENCES users (id),
    addressee  TEXT NOT NULL CHECK (addressee IN ('platform', 'tenant')),
    category   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('received', 'in_progress', 'answered', 'closed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX inquiries_tenant ON inquiries (tenant_id, id);

-- the thread: the opening text, replies, status changes and files, in order
CREATE TABLE inquiry_messages (
    id          INTEGER PRIMARY KEY,
    inquiry_id  INTEGER NOT NULL REFERENCES inquiries (id),
    kind        TEXT NOT NULL CHECK (kind IN ('message', 'status', 'file')),
    by_user     INTEGER NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('requester', 'answerer')),
    body        TEXT NOT NULL DEFAULT '',
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    file_id     INTEGER NOT NULL DEFAULT 0,
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX inquiry_messages_inquiry ON inquiry_messages (inquiry_id, id);

-- attached files: the blob is the object store's, under the reserved path .suido/inquiries/<id>/
CREATE TABLE inquiry_files (
    id         INTEGER PRIMARY KEY,
    inquiry_id INTEGER NOT NULL REFERENCES inquiries (id),
    name       TEXT NOT NULL,
    path       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    by_user    INTEGER NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX inquiry_files_inquiry ON inquiry_files (inquiry_id, id);
