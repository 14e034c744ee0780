-- Who bears a token: an API token of the staff or of a partner of the city (dmrctl token),
-- a staff session of the web pages opened with such a token, the edit token of a report's
-- reporter, or the token of a link in an e-mail.

-- Whether something that ends (a token, a session) still lives: not ended (revoked, signed
-- out), and not past its expiry, if it has one.
CREATE OR REPLACE FUNCTION dmr_live(p_ended_at timestamptz, p_expires_at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_ended_at IS NULL AND (p_expires_at IS NULL OR p_expires_at > now())
$$;

-- The live API token holding that secret, and when it expires; no row when the token is
-- unknown, expired or revoked. A session's secret is not an API token.
CREATE OR REPLACE FUNCTION dmr_live_token(p_token text)
RETURNS TABLE (token_id integer, expires_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT t.id, t.expires_at FROM api_token t
    WHERE t.token_hash = dmr_token_hash(p_token) AND dmr_live(t.revoked_at, t.expires_at)
$$;

-- The live session holding that secret, the token it was opened with, and when it ends: no
-- row when the session is unknown, expired or ended, or when its token no longer lives.
CREATE OR REPLACE FUNCTION dmr_live_session(p_secret text)
RETURNS TABLE (session_id bigint, token_id integer, expires_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT s.id, t.id, s.expires_at
    FROM staff_session s JOIN api_token t ON t.id = s.token_id
    WHERE s.secret_hash = dmr_token_hash(p_secret) AND dmr_live(s.ended_at, s.expires_at)
      AND dmr_live(t.revoked_at, t.expires_at)
$$;

-- The live token holding that secret, or whose live session holds it, with its role and
-- service codes; no row when there is none.
CREATE OR REPLACE FUNCTION dmr_token_lookup(p_token text)
RETURNS TABLE (token_id integer, role text, services text[])
LANGUAGE sql STABLE AS $$
    SELECT t.id, t.role,
           ARRAY(SELECT s.code FROM api_token_service ts JOIN service s ON s.id = ts.service_id
                 WHERE ts.token_id = t.id ORDER BY s.code)
    FROM api_token t
    WHERE t.id = coalesce((SELECT l.token_id FROM dmr_live_token(p_token) l),
                          (SELECT l.token_id FROM dmr_live_session(p_token) l))
$$;

-- The roles of the staff, who may open a session; client is an application's.
CREATE OR REPLACE FUNCTION dmr_staff_roles() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['agent', 'contractor', 'supervisor', 'admin']
$$;

-- Opens a session with a live staff token, for p_hours at most and never past the token's
-- expiry: its secret ("dms_" and 64 hexadecimal digits, of which only the hash is kept) and
-- its expiry. 401 for a secret that is no live API token (a session's included: a session
-- never opens another), 403 for a role that is not the staff's.
CREATE OR REPLACE FUNCTION dmr_session_open(p_token text, p_hours integer,
                                            OUT secret text, OUT expires_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    SELECT l.token_id, l.expires_at INTO t FROM dmr_live_token(p_token) l;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM401', HINT = 'unauthorized',
            MESSAGE = 'this token is unknown, expired or revoked';
    END IF;
    PERFORM dmr_require_role(p_token, dmr_staff_roles());
    secret := 'dms_' || encode(gen_random_bytes(32), 'hex');
    INSERT INTO staff_session (secret_hash, token_id, expires_at)
    VALUES (dmr_token_hash(secret), t.token_id,
            least(now() + make_interval(hours => p_hours), t.expires_at))
    RETURNING staff_session.expires_at INTO expires_at;
END
$$;

-- Ends the session holding that secret (signing out); nothing for any other secret.
CREATE OR REPLACE FUNCTION dmr_session_end(p_secret text) RETURNS void
LANGUAGE sql AS $$
    UPDATE staff_session SET ended_at = now()
    WHERE secret_hash = dmr_token_hash(p_secret) AND ended_at IS NULL
$$;

-- Who bears p_token: the role, name and service codes of its API token, and when its
-- session ends if it is a session's secret (NULL for the token itself). 401 for anything
-- else.
CREATE OR REPLACE FUNCTION dmr_whoami(p_token text, OUT role text, OUT name text,
                                      OUT services text[], OUT session_expires_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a record := dmr_actor(p_token, NULL);
BEGIN
    role := a.role;
    services := a.services;
    SELECT t.name INTO name FROM api_token t WHERE t.id = a.token_id;
    SELECT l.expires_at INTO session_expires_at FROM dmr_live_session(p_token) l;
END
$$;

-- The client (an application) that holds p_key: a live token of role client. 403 for a key
-- that is unknown, expired or revoked, or that is not a client's.
CREATE OR REPLACE FUNCTION dmr_client_of(p_key text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t record;
BEGIN
    SELECT l.token_id, l.role INTO t FROM dmr_token_lookup(p_key) l;
    IF NOT FOUND OR t.role <> 'client' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden', COLUMN = 'api_key',
            MESSAGE = 'this api_key is unknown or revoked';
    END IF;
    RETURN t.token_id;
END
$$;

-- Whether the token is the report's edit token: 404 for an unknown report, 403 otherwise.
CREATE OR REPLACE FUNCTION dmr_check_edit_token(p_report bigint, p_token text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM 1 FROM report WHERE id = p_report;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
            MESSAGE = format('no report has id %s', p_report);
    END IF;
    PERFORM 1 FROM report_secret
    WHERE report_id = p_report AND edit_token_hash = dmr_token_hash(p_token);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
            MESSAGE = 'this token does not allow changing this report';
    END IF;
END
$$;

-- Who bears p_token: an API token (its role, id and service codes) or, for p_report, the
-- report's edit token (role reporter). 401 for anything else.
CREATE OR REPLACE FUNCTION dmr_actor(p_token text, p_report bigint,
                                     OUT role text, OUT token_id integer, OUT services text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT t.role, t.token_id, t.services INTO role, token_id, services
    FROM dmr_token_lookup(p_token) t;
    IF FOUND THEN
        RETURN;
    END IF;
    IF p_report IS NOT NULL AND EXISTS (SELECT 1 FROM report_secret s
                                        WHERE s.report_id = p_report
                                          AND s.edit_token_hash = dmr_token_hash(p_token)) THEN
        role := 'reporter';
        services := '{}';
        RETURN;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'DM401', HINT = 'unauthorized',
        MESSAGE = 'this token is unknown, expired or revoked';
END
$$;

-- The API token's id when its role is one of p_roles: 401 unknown token, 403 other role.
CREATE OR REPLACE FUNCTION dmr_require_role(p_token text, p_roles text[]) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a record := dmr_actor(p_token, NULL);
BEGIN
    IF NOT a.role = ANY (p_roles) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
            MESSAGE = format('this is for the roles %s, not %s', array_to_string(p_roles, ', '),
                             a.role);
    END IF;
    RETURN a.token_id;
END
$$;

-- A link's token: "<kind>.<id>.<expiry, Unix seconds>.<MAC>", the MAC being the first 128
-- bits of the HMAC of the rest. Kinds: c confirms an address (email_contact id), f confirms a
-- follow (follower id), u unsubscribes a follower (follower id).
CREATE OR REPLACE FUNCTION dmr_link_token(p_kind text, p_id bigint, p_days integer) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT x.body || '.' || left(dmr_hmac('link', x.body), 32)
    FROM (SELECT p_kind || '.' || p_id || '.'
                 || (extract(epoch FROM now())::bigint + p_days * 86400) AS body) x
$$;

-- The kind and id a token stands for, when it is one of ours of one of p_kinds: 404
-- invalid_link otherwise, 410 link_expired past its date.
CREATE OR REPLACE FUNCTION dmr_link_open(p_token text, p_kinds text, OUT kind text, OUT id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    m text[] := regexp_match(p_token, '^([cfu])\.([0-9]{1,18})\.([0-9]{1,12})\.([0-9a-f]{32})$');
BEGIN
    IF m IS NULL OR position(m[1] IN p_kinds) = 0
       OR left(dmr_hmac('link', m[1] || '.' || m[2] || '.' || m[3]), 32) <> m[4] THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'invalid_link',
            MESSAGE = 'this link is not one of ours';
    END IF;
    IF m[3]::bigint < extract(epoch FROM now()) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM410', HINT = 'link_expired',
            MESSAGE = 'this link has expired';
    END IF;
    kind := m[1];
    id := m[2]::bigint;
END
$$;
