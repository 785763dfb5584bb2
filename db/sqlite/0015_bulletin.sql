-- 0015_bulletin.sql - the bulletin board (掲示板, 表2-1): a board per tenant and the common one
-- (tenant 1) that every tenant and vendor reads; posts with a category and a validity period,
-- attachments (blobs of the object store) and read marks per user (lib/pf/desk/bulletin.c).
CREATE TABLE bulletin_posts (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),   -- the board
    category       TEXT NOT NULL CHECK (category IN ('notice', 'failure', 'maintenance')),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    valid_from     INTEGER NOT NULL,                           -- ms UTC; shown from then
    valid_until    INTEGER NOT NULL DEFAULT 0,                 -- ms UTC, 0 = no end
    author_id      INTEGER NOT NULL,
    maintenance_id INTEGER NOT NULL DEFAULT 0,                 -- the announced window, if any
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX bulletin_posts_board ON bulletin_posts (tenant_id, id);

-- An attachment: a file of the board's tenant in the object store, at a path "/bulletin/<post>/
-- <random>" (a leading '/' that AP-IF file paths may not have: no application reaches it).
CREATE TABLE bulletin_attachments (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES bulletin_posts (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,                                  -- the file name shown
    path       TEXT NOT NULL,                                  -- objects.path of the file
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX bulletin_attachments_post ON bulletin_attachments (post_id, id);

-- Who has read which post (one row per user and post, the first reading).
CREATE TABLE bulletin_reads (
    post_id INTEGER NOT NULL REFERENCES bulletin_posts (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
) STRICT;
CREATE INDEX bulletin_reads_user ON bulletin_reads (user_id, post_id);
