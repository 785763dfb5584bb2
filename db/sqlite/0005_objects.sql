-- 0005_objects.sql - AP-IF #11-13 documents (JSON in named collections, versioned) and #14-16
-- files (client path -> content-addressed blob of the object store, lib/pf/objstore.c).
CREATE TABLE documents (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    collection TEXT NOT NULL,                  -- [a-z0-9_-]{1,64}
    version    INTEGER NOT NULL,               -- 1 at creation, +1 per update (If-Match)
    body       TEXT NOT NULL,                  -- a JSON object
    created_at INTEGER NOT NULL,               -- ms since the epoch, UTC
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX documents_collection ON documents (tenant_id, collection, id);

CREATE TABLE objects (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    path       TEXT NOT NULL,                  -- validated by sd_objpath_check(); byte order
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,                  -- hex; also the blob's name in the tenant's dir
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, path)
) STRICT;
CREATE INDEX objects_blob ON objects (tenant_id, sha256);
