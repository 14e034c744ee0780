-- API tokens for the staff and the partners of the city. Agents and contractors act for the
-- services their token names, supervisors read everything, admins manage reference data.
-- Only a hash of each token is kept: dmrctl prints the token once, when it creates it.

CREATE TABLE api_token (
    id         serial PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('agent', 'contractor', 'supervisor', 'admin')),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz
);

CREATE TABLE api_token_service (
    token_id   integer NOT NULL REFERENCES api_token (id) ON DELETE CASCADE,
    service_id integer NOT NULL REFERENCES service (id),
    PRIMARY KEY (token_id, service_id)
);
