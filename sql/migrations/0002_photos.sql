-- Photos: processed JPEGs stored with the reports, so that every dmrd node and every replica
-- sees them and a backup holds them; and the reporter's private edit token.

-- One row per distinct processed photo, addressed by the SHA-256 of its JPEG. JPEG data does
-- not compress: EXTERNAL storage keeps it out of line without trying.
CREATE TABLE photo_blob (
    sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    jpeg         bytea NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    thumb        bytea NOT NULL,
    thumb_width  integer NOT NULL,
    thumb_height integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE photo_blob ALTER COLUMN jpeg SET STORAGE EXTERNAL,
                       ALTER COLUMN thumb SET STORAGE EXTERNAL;

-- close: gros plan; far: vue d'ensemble; done: the service's "after" photo.
CREATE TABLE report_photo (
    report_id  bigint NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    view       text NOT NULL CHECK (view IN ('close', 'far', 'done')),
    sha256     text NOT NULL REFERENCES photo_blob (sha256),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, view)
);
CREATE INDEX report_photo_sha_idx ON report_photo (sha256);

-- The reporter's private token, kept as a hash: it lets the reporter add or replace photos.
CREATE TABLE report_secret (
    report_id       bigint PRIMARY KEY REFERENCES report (id) ON DELETE CASCADE,
    edit_token_hash text NOT NULL
);

CREATE FUNCTION dmr_token_hash(p_token text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT encode(sha256(convert_to(p_token, 'UTF8')), 'hex')
$$;

-- The public report gains its photos, as "view:sha256" pairs in view order.
CREATE OR REPLACE VIEW report_public AS
SELECT r.id,
       r.number,
       r.status,
       r.category_id,
       c.label AS category_label,
       p.id AS parent_id,
       p.label AS parent_label,
       s.code AS service_code,
       s.name AS service_name,
       se.code AS sector_code,
       se.name AS sector_name,
       r.arrondissement,
       r.priority,
       r.description,
       r.address,
       ST_Y(r.point) AS lat,
       ST_X(r.point) AS lon,
       r.channel,
       to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
       r.routing_rule,
       r.routing_distance_m,
       r.point,
       r.created_at AS created_ts,
       r.service_id,
       (SELECT string_agg(ph.view || ':' || ph.sha256, ',' ORDER BY ph.view)
        FROM report_photo ph WHERE ph.report_id = r.id) AS photos
FROM report r
JOIN category c ON c.id = r.category_id
JOIN category p ON p.id = c.parent_id
JOIN service s ON s.id = r.service_id
LEFT JOIN sector se ON se.id = r.sector_id;

-- Creation now also sets the edit token. A replay with the same Idempotency-Key gives the
-- caller a fresh token, since only its hash was kept: the token of the lost first answer is
-- replaced, never revealed.
DROP FUNCTION dmr_create_report(integer, double precision, double precision, text, text,
                                integer, char, text, text, text, text);

CREATE FUNCTION dmr_create_report(p_category integer, p_lon double precision, p_lat double precision,
                                  p_description text, p_address text, p_priority integer,
                                  p_channel char, p_email text, p_device text,
                                  p_idem_key text, p_idem_hash text, p_edit_token text,
                                  OUT replayed boolean, OUT report_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    p geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
    arr smallint;
    r record;
    prior idempotency_key;
BEGIN
    replayed := false;
    IF p_idem_key IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended(p_idem_key, 0));
        SELECT * INTO prior FROM idempotency_key WHERE key = p_idem_key;
        IF FOUND THEN
            IF prior.request_hash <> p_idem_hash THEN
                RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'idempotency_key_reused',
                    MESSAGE = 'this Idempotency-Key was already used for another request';
            END IF;
            replayed := true;
            report_id := prior.report_id;
        END IF;
    END IF;

    IF NOT replayed THEN
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
    END IF;

    IF p_edit_token IS NOT NULL THEN
        INSERT INTO report_secret (report_id, edit_token_hash)
        VALUES (report_id, dmr_token_hash(p_edit_token))
        ON CONFLICT ON CONSTRAINT report_secret_pkey
        DO UPDATE SET edit_token_hash = excluded.edit_token_hash;
    END IF;
END
$$;

-- Deletes a stored photo once no report uses it (a NULL or still used one is kept).
CREATE FUNCTION dmr_forget_photo(p_sha256 text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM photo_blob b
    WHERE b.sha256 = p_sha256
      AND NOT EXISTS (SELECT 1 FROM report_photo ph WHERE ph.sha256 = p_sha256)
$$;

-- Stores a processed photo once (by content) and files it under the report's view, replacing
-- what that view held; a photo no report uses any more is deleted, so that a replaced photo
-- is gone for good. Returns the photo's SHA-256.
CREATE FUNCTION dmr_attach_photo(p_report bigint, p_view text, p_jpeg bytea, p_width integer,
                                 p_height integer, p_thumb bytea, p_thumb_width integer,
                                 p_thumb_height integer)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    digest text := encode(sha256(p_jpeg), 'hex');
    previous text;
BEGIN
    SELECT sha256 INTO previous FROM report_photo WHERE report_id = p_report AND view = p_view
    FOR UPDATE;
    INSERT INTO photo_blob (sha256, jpeg, width, height, thumb, thumb_width, thumb_height)
    VALUES (digest, p_jpeg, p_width, p_height, p_thumb, p_thumb_width, p_thumb_height)
    ON CONFLICT (sha256) DO NOTHING;
    INSERT INTO report_photo (report_id, view, sha256)
    VALUES (p_report, p_view, digest)
    ON CONFLICT (report_id, view) DO UPDATE SET sha256 = excluded.sha256, created_at = now();
    PERFORM dmr_forget_photo(previous);
    RETURN digest;
END
$$;

-- Removes one view's photo from a report; false when it had none.
CREATE FUNCTION dmr_detach_photo(p_report bigint, p_view text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    previous text;
BEGIN
    DELETE FROM report_photo WHERE report_id = p_report AND view = p_view
    RETURNING sha256 INTO previous;
    PERFORM dmr_forget_photo(previous);
    RETURN previous IS NOT NULL;
END
$$;

-- Whether the token is the report's edit token: 404 for an unknown report, 403 otherwise.
CREATE FUNCTION dmr_check_edit_token(p_report bigint, p_token text) RETURNS void
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
