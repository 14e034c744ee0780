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

-- The live token holding that secret, with its role and service codes; no row when the
-- token is unknown, expired or revoked.
CREATE FUNCTION dmr_token_lookup(p_token text)
RETURNS TABLE (token_id integer, role text, services text[])
LANGUAGE sql STABLE AS $$
    SELECT t.id, t.role,
           ARRAY(SELECT s.code FROM api_token_service ts JOIN service s ON s.id = ts.service_id
                 WHERE ts.token_id = t.id ORDER BY s.code)
    FROM api_token t
    WHERE t.token_hash = dmr_token_hash(p_token)
      AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())
$$;

-- Whether the bearer of p_token may change the p_view photo of a report: the reporter's
-- edit token for close and far; for done, the token of an agent or contractor of the
-- report's service. 404 unknown report, 401 unknown, expired or revoked token, 403 for any
-- other token (the reporter's own included).
CREATE FUNCTION dmr_check_photo_right(p_report bigint, p_view text, p_token text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    service_code text;
    bearer record;
BEGIN
    IF p_view <> 'done' THEN
        PERFORM dmr_check_edit_token(p_report, p_token);
        RETURN;
    END IF;
    SELECT s.code INTO service_code FROM report r JOIN service s ON s.id = r.service_id
    WHERE r.id = p_report;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
            MESSAGE = format('no report has id %s', p_report);
    END IF;
    SELECT * INTO bearer FROM dmr_token_lookup(p_token);
    IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM report_secret
                                 WHERE report_id = p_report
                                   AND edit_token_hash = dmr_token_hash(p_token)) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM401', HINT = 'unauthorized',
            MESSAGE = 'this token is unknown, expired or revoked';
    END IF;
    IF bearer.role IS NULL OR bearer.role NOT IN ('agent', 'contractor')
       OR NOT service_code = ANY (bearer.services) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
            MESSAGE = format('the done photo is for the agents of %s', service_code);
    END IF;
END
$$;
