-- Staff sessions of the web pages: a person signs in once at /connexion with a staff token,
-- and the browser then holds the session's secret in a cookie. Only the secret's hash is kept,
-- with the token the session was opened with: while both live, the secret stands for that
-- token, with its role and services. A session ends at its expiry, when its person signs out
-- (ended_at), or when its token is revoked or expires; the housekeeping then deletes it.

CREATE TABLE staff_session (
    id          bigserial PRIMARY KEY,
    secret_hash text NOT NULL UNIQUE,
    token_id    integer NOT NULL REFERENCES api_token (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL CHECK (expires_at > created_at),
    ended_at    timestamptz
);

CREATE INDEX staff_session_token_idx ON staff_session (token_id);
