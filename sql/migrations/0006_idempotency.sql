-- Edit tokens that a replayed Idempotency-Key cannot take over (docs/security.md): with a
-- key, the token is an HMAC of the key under a server secret, so every replay gives back the
-- same token and none replaces another; keys expire after 24 hours.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The server's secret: the key of every HMAC below (edit tokens of idempotent creations, the
-- signed links of e-mails, the hashes of confirmed addresses). One row, drawn once from the
-- strong random source, shared by every dmrd node.
CREATE TABLE server_secret (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    secret bytea NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO server_secret (secret) VALUES (gen_random_bytes(32));

-- HMAC-SHA256 of p_data under the server's secret, for one purpose (a purpose never verifies
-- another's values), in hexadecimal.
CREATE FUNCTION dmr_hmac(p_purpose text, p_data text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(hmac(convert_to(p_purpose || ':' || p_data, 'UTF8'), s.secret, 'sha256'), 'hex')
    FROM server_secret s
$$;

-- ---------------------------------------------------------------------------- idempotency

-- How long an Idempotency-Key holds its report. Later, the key is free again (and the
-- housekeeping deletes it).
CREATE FUNCTION dmr_idempotency_lifetime() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '24 hours' $$;

CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at);

-- With an Idempotency-Key, the edit token is the HMAC of the key: every replay of the
-- creation gives back the same token, and none replaces another, so a replay never changes
-- who holds the report (the key is exactly as secret as the token it stands for). Without a
-- key, the token is p_edit_token, drawn by dmrd. Only the token's hash is stored.
DROP FUNCTION dmr_create_report(integer, double precision, double precision, text, text, integer,
                                char, text, text, text, text, text);
CREATE FUNCTION dmr_create_report(p_category integer, p_lon double precision, p_lat double precision,
                                  p_description text, p_address text, p_priority integer,
                                  p_channel char, p_email text, p_device text,
                                  p_idem_key text, p_idem_hash text, p_edit_token text,
                                  OUT replayed boolean, OUT report_id bigint,
                                  OUT edit_token text)
LANGUAGE plpgsql AS $$
DECLARE
    p geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
    arr smallint;
    r record;
    prior idempotency_key;
BEGIN
    replayed := false;
    edit_token := p_edit_token;
    IF p_idem_key IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended(p_idem_key, 0));
        DELETE FROM idempotency_key k
        WHERE k.key = p_idem_key AND k.created_at <= now() - dmr_idempotency_lifetime();
        SELECT * INTO prior FROM idempotency_key WHERE key = p_idem_key;
        IF FOUND THEN
            IF prior.request_hash <> p_idem_hash THEN
                RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'idempotency_key_reused',
                    MESSAGE = 'this Idempotency-Key was already used for another request';
            END IF;
            replayed := true;
            report_id := prior.report_id;
        END IF;
        edit_token := dmr_hmac('edit_token', p_idem_key);
    END IF;
    IF replayed THEN
        RETURN;
    END IF;

    PERFORM dmr_category_check(p_category, false);
    arr := dmr_point_in_service_area(p);
    r := dmr_route(p_category, p);

    report_id := nextval(pg_get_serial_sequence('report', 'id'));
    INSERT INTO report (id, number, category_id, service_id, sector_id, arrondissement,
                        priority, description, address, point, channel, routing_rule,
                        routing_distance_m)
    VALUES (report_id, dmr_report_number(p_channel, report_id, now()), p_category,
            r.service_id, r.sector_id, arr, p_priority, coalesce(p_description, ''),
            coalesce(p_address, ''), p, p_channel, r.rule, r.distance_m);

    IF p_email IS NOT NULL OR p_device IS NOT NULL THEN
        INSERT INTO reporter (report_id, email, device_id)
        VALUES (report_id, p_email, p_device);
    END IF;
    IF p_idem_key IS NOT NULL THEN
        INSERT INTO idempotency_key (key, request_hash, report_id)
        VALUES (p_idem_key, p_idem_hash, report_id);
    END IF;
    INSERT INTO report_secret (report_id, edit_token_hash)
    VALUES (report_id, dmr_token_hash(edit_token));
END
$$;

-- What expires, deleted, as (what, how many) rows: run by every dmrd node now and then, and
-- by dmrctl housekeeping. Idempotency-Keys older than their lifetime.
CREATE FUNCTION dmr_housekeeping() RETURNS TABLE (what text, deleted bigint)
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM idempotency_key WHERE created_at <= now() - dmr_idempotency_lifetime();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN QUERY VALUES ('expired idempotency keys', n);
END
$$;
