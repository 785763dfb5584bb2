-- 0012_portal_certs.sql - TLS client certificates of portal terminals (issue 11): a tenant's
-- switch (no row = not required) and the certificates the platform CA issued to its users.
-- Only the certificate's fingerprint and names are kept: the private key went to the terminal.
CREATE TABLE tenant_portal_certs (
    tenant_id  INTEGER PRIMARY KEY REFERENCES tenants (id),
    required   INTEGER NOT NULL CHECK (required IN (0, 1)),
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE portal_certs (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    fingerprint TEXT NOT NULL UNIQUE,                         -- SHA-256 of the DER, hex
    subject     TEXT NOT NULL,
    not_after   INTEGER NOT NULL,                                -- ms since epoch
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER                                          -- NULL while valid
) STRICT;
CREATE INDEX portal_certs_tenant ON portal_certs (tenant_id);
