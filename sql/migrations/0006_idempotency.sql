-- Edit tokens that a replayed Idempotency-Key cannot take over (docs/security.md): with a
-- key, the token is an HMAC of the key under a server secret, so every replay gives back the
-- same token and none replaces another; keys expire after 24 hours.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The server's secret: the key of every HMAC (dmr_hmac: edit tokens of idempotent creations,
-- the signed links of e-mails, the hashes of confirmed addresses). One row, drawn once from the
-- strong random source, shared by every dmrd node.
CREATE TABLE server_secret (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    secret bytea NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO server_secret (secret) VALUES (gen_random_bytes(32));

-- The housekeeping deletes the Idempotency-Keys past their lifetime, found by age.
CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at);
