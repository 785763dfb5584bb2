-- 0011_pki.sql - payload protection (§2.5): each tenant's setting and the clients' certificates.
-- No row in tenant_protection = 'none'. The platform's own CA and PF keys live in files under
-- data.dir/pki (sealed), not here: a database dump must not carry the platform's private keys.
CREATE TABLE tenant_protection (
    tenant_id  BIGINT PRIMARY KEY REFERENCES tenants (id),
    mode       TEXT NOT NULL CHECK (mode IN ('none', 'signed', 'signed_encrypted')),
    updated_at BIGINT NOT NULL
);

-- One data-protection certificate per registration; clients.cert_fp is the pin and must equal
-- fingerprint for the certificate to be used (a PATCH of cert_fingerprint unpins it).
CREATE TABLE client_certs (
    client_id   BIGINT PRIMARY KEY REFERENCES clients (id),
    fingerprint TEXT NOT NULL,                                -- SHA-256 of the DER, hex
    pem         TEXT NOT NULL,
    subject     TEXT NOT NULL,
    not_after   BIGINT NOT NULL,                             -- ms since epoch
    created_at  BIGINT NOT NULL
);
