-- Reports: the rules of their category, their number and deadline, their creation (validated,
-- routed and stored in one transaction), their public face, and the searches.

-- 422 unless p_category is a sub-category that takes reports; an agent-only one takes them
-- from agents only.
CREATE OR REPLACE FUNCTION dmr_category_check(p_category integer, p_agent boolean)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c category;
BEGIN
    SELECT * INTO c FROM category WHERE id = p_category;
    IF NOT FOUND OR c.parent_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'unknown_category', COLUMN = 'category_id',
            MESSAGE = format('no sub-category has id %s', p_category);
    END IF;
    IF NOT c.active THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'inactive_category', COLUMN = 'category_id',
            MESSAGE = format('category %s no longer takes reports', p_category);
    END IF;
    IF c.agent_only AND NOT p_agent THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'agent_only_category', COLUMN = 'category_id',
            MESSAGE = format('category %s is reserved to agents', p_category);
    END IF;
END
$$;

-- A category's deadline: its own, else its top category's, else 7 days.
CREATE OR REPLACE FUNCTION dmr_category_sla(p_category integer) RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT make_interval(hours => coalesce(c.sla_hours, p.sla_hours, 168))
    FROM category c LEFT JOIN category p ON p.id = c.parent_id
    WHERE c.id = p_category
$$;

-- A category's duplicate radius in metres: its own, else its top category's, else 50.
CREATE OR REPLACE FUNCTION dmr_category_radius(p_category integer) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.duplicate_radius_m, p.duplicate_radius_m, 50)
    FROM category c LEFT JOIN category p ON p.id = c.parent_id
    WHERE c.id = p_category
$$;

-- Dans ma rue's public number: channel letter, year, month letter (A = January), counter.
-- The counter is the report id, at least six digits and never cut, so it is unique across
-- every node sharing the database.
CREATE OR REPLACE FUNCTION dmr_report_number(p_channel char, p_id bigint, p_at timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_channel
        || to_char(p_at AT TIME ZONE 'Europe/Paris', 'YYYY')
        || chr(64 + extract(month FROM p_at AT TIME ZONE 'Europe/Paris')::int)
        || lpad(p_id::text, greatest(6, length(p_id::text)), '0')
$$;

-- The deadline is set by the database, so every way of storing a report gets one.
CREATE OR REPLACE FUNCTION dmr_report_deadline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.expected_at := NEW.created_at + dmr_category_sla(NEW.category_id);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER report_deadline BEFORE INSERT ON report
    FOR EACH ROW WHEN (NEW.expected_at IS NULL) EXECUTE FUNCTION dmr_report_deadline();

-- How long an Idempotency-Key holds its report. Later, the key is free again (and the
-- housekeeping deletes it).
CREATE OR REPLACE FUNCTION dmr_idempotency_lifetime() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '24 hours' $$;

-- Validates, routes and stores a report in one transaction, and sets the reporter's edit
-- token. With an idempotency key, the first request creates the report and every later one
-- with the same key and request hash gets that report back; concurrent requests with one key
-- are serialised by an advisory lock, and a key older than its lifetime is free again. With a
-- key, the edit token is the HMAC of the key: every replay of the creation gives back the same
-- token, and none replaces another, so a replay never changes who holds the report (the key
-- is exactly as secret as the token it stands for). Without a key, the token is p_edit_token,
-- drawn by dmrd. Only the token's hash is stored. The report takes the place of its position
-- (dmr_place_of); the address the client sent is kept apart (address_given). A report sent by an application (Open311)
-- carries its key, p_client_key, which must be a live client token (else 403), and may carry
-- the reporter's name and phone.
CREATE OR REPLACE FUNCTION dmr_create_report(p_category integer, p_lon double precision,
                                             p_lat double precision, p_description text,
                                             p_address text, p_priority integer, p_channel char,
                                             p_email text, p_device text, p_idem_key text,
                                             p_idem_hash text, p_edit_token text,
                                             p_client_key text, p_first_name text,
                                             p_last_name text, p_phone text,
                                             OUT replayed boolean, OUT report_id bigint,
                                             OUT edit_token text)
LANGUAGE plpgsql AS $$
DECLARE
    p geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
    arr smallint;
    r record;
    place record;
    prior idempotency_key;
    client integer;
BEGIN
    IF p_client_key IS NOT NULL THEN
        client := dmr_client_of(p_client_key);
    END IF;
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

    place := dmr_place_of(p);

    report_id := nextval(pg_get_serial_sequence('report', 'id'));
    INSERT INTO report (id, number, category_id, service_id, sector_id, arrondissement,
                        priority, description, address, address_given, address_distance_m,
                        quartier_id, park, point, channel, routing_rule, routing_distance_m,
                        client_id)
    VALUES (report_id, dmr_report_number(p_channel, report_id, now()), p_category,
            r.service_id, r.sector_id, arr, p_priority, coalesce(p_description, ''),
            place.address, coalesce(p_address, ''), place.address_distance_m,
            place.quartier_id, place.park, p, p_channel, r.rule, r.distance_m, client);

    IF coalesce(p_email, p_device, p_first_name, p_last_name, p_phone) IS NOT NULL THEN
        INSERT INTO reporter (report_id, email, device_id, first_name, last_name, phone)
        VALUES (report_id, p_email, p_device, p_first_name, p_last_name, p_phone);
    END IF;
    IF p_idem_key IS NOT NULL THEN
        INSERT INTO idempotency_key (key, request_hash, report_id)
        VALUES (p_idem_key, p_idem_hash, report_id);
    END IF;
    INSERT INTO report_secret (report_id, edit_token_hash)
    VALUES (report_id, dmr_token_hash(edit_token));
END
$$;

-- The public face of a report: every public answer reads this view, which holds no personal
-- data. It is defined here, after the functions it calls. CREATE OR REPLACE VIEW keeps the
-- columns it had, in their places: a new column comes last, and one that goes or changes its
-- type takes a DROP VIEW in a migration.
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
        FROM report_photo ph WHERE ph.report_id = r.id) AS photos,
       r.version,
       dmr_utc_text(r.expected_at) AS expected_at,
       st.is_open AND r.expected_at < now() AS overdue,
       dmr_utc_text(r.acknowledged_at) AS acknowledged_at,
       r.scheduled_for::text AS scheduled_for,
       dmr_utc_text(r.resolved_at) AS resolved_at,
       r.followers,
       r.duplicate_of,
       (SELECT d.number FROM report d WHERE d.id = r.duplicate_of) AS duplicate_of_number,
       rr.code AS reject_reason,
       coalesce(rr.label, r.reject_reason) AS reject_label,
       r.address_distance_m,
       q.code AS quartier_code,
       q.name AS quartier_name,
       r.park
FROM report r
JOIN report_status st ON st.status = r.status
LEFT JOIN reject_reason rr ON rr.code = r.reject_reason
JOIN category c ON c.id = r.category_id
JOIN category p ON p.id = c.parent_id
JOIN service s ON s.id = r.service_id
LEFT JOIN sector se ON se.id = r.sector_id
LEFT JOIN area q ON q.id = r.quartier_id;

-- Searches. Each builds its query from the filters actually given, so that PostgreSQL plans
-- it for them (a generic plan of "filter IS NULL OR ..." would not use the right index); the
-- values are always bound parameters.
--
-- A set-returning function is estimated at 1000 rows unless told otherwise (ROWS). With that
-- figure, the prepared statements that join a search's page to report_public never settle on
-- a cached plan (near: 6 ms of planning for 1 ms of work, at a million reports), and the
-- duplicate suggestions of every creation were joined by scanning the whole report table.
-- These functions return at most a page.

-- The filters both searches share, as SQL over report r with the parameters $2 (category
-- ids: the given one and its children), $3 (statuses), $4 (service id) and $5 (since).
CREATE OR REPLACE FUNCTION dmr_search_filters(p_category integer, p_statuses text[], p_service text,
                                              p_since timestamptz, OUT clause text,
                                              OUT cats integer[], OUT svc integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    clause := '';
    IF p_category IS NOT NULL THEN
        cats := ARRAY(SELECT c.id FROM category c
                      WHERE c.id = p_category OR c.parent_id = p_category);
        clause := clause || ' AND r.category_id = ANY ($2)';
    END IF;
    IF p_statuses IS NOT NULL THEN
        clause := clause || ' AND r.status = ANY ($3)';
    END IF;
    IF p_service IS NOT NULL THEN
        SELECT s.id INTO svc FROM service s WHERE s.code = p_service;
        clause := clause || ' AND r.service_id = $4';
    END IF;
    IF p_since IS NOT NULL THEN
        clause := clause || ' AND r.created_at >= $5';
    END IF;
END
$$;

-- Reports nearest first, within p_radius metres (sphere distance), after the cursor
-- (p_after_d, p_after_id). The scan follows the planar index on the point in order of
-- distance in degrees (KNN), which is cheap, and measures each row on the sphere. A degree
-- in the plane is at least k metres on the ground within the searched band of latitudes, so
-- no row further in the scan can be nearer than k times the current degree distance: the
-- scan stops once that exceeds the radius, or the largest distance among the first p_limit
-- rows found (those rows, and any tied with them, are then certain). The cost follows the
-- rows near the point, not the size of the table. Without filters the query is static and
-- its plan cached; the LIMIT lets the planner pick the index scan, and is raised and the scan
-- redone in the rare case a batch runs out first.
CREATE OR REPLACE FUNCTION dmr_reports_near(p_lat double precision, p_lon double precision,
    p_radius double precision, p_category integer, p_statuses text[], p_service text,
    p_since timestamptz, p_limit integer, p_after_d double precision, p_after_id bigint)
RETURNS TABLE (report_id bigint, distance_m double precision)
LANGUAGE plpgsql STABLE ROWS 51 AS $$
DECLARE
    p geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
    k double precision := 111194.9 * cos(radians(least(abs(p_lat) + p_radius / 111000.0, 89.0)));
    f record := dmr_search_filters(p_category, p_statuses, p_service, p_since);
    sql text := 'SELECT r.id, r.point <-> $1 AS deg,'
                ' ST_Distance(r.point::geography, $1::geography, false) AS d'
                ' FROM report r WHERE true' || f.clause || ' ORDER BY r.point <-> $1 LIMIT $6';
    batch integer := 2 * p_limit + 16;
    scan refcursor;
    fetched integer;
    bound double precision;
    ids bigint[];
    ds double precision[];
    rec record;
BEGIN
    LOOP
        IF f.clause = '' THEN
            OPEN scan FOR
                SELECT r.id, r.point <-> p AS deg,
                       ST_Distance(r.point::geography, p::geography, false) AS d
                FROM report r ORDER BY r.point <-> p LIMIT batch;
        ELSE
            OPEN scan FOR EXECUTE sql USING p, f.cats, p_statuses, f.svc, p_since, batch;
        END IF;
        ids := '{}';
        ds := '{}';
        fetched := 0;
        bound := p_radius;
        LOOP
            FETCH scan INTO rec;
            EXIT WHEN NOT FOUND OR k * rec.deg > bound;
            fetched := fetched + 1;
            CONTINUE WHEN rec.d > p_radius
                OR (p_after_d IS NOT NULL AND (rec.d, rec.id) <= (p_after_d, p_after_id));
            ids := ids || rec.id;
            ds := ds || rec.d;
            IF cardinality(ids) = p_limit THEN
                SELECT max(d) INTO bound FROM unnest(ds) d;
            END IF;
        END LOOP;
        CLOSE scan;
        EXIT WHEN fetched < batch;
        batch := batch * 4;
    END LOOP;
    -- The p_limit nearest and those tied with the last of them; the scan may have found more.
    RETURN QUERY
        SELECT u.id, u.d
        FROM (SELECT x.id, x.d, rank() OVER (ORDER BY x.d) AS place
              FROM unnest(ids, ds) AS x (id, d)) u
        WHERE u.place <= p_limit;
END
$$;

-- Reports newest first, optionally inside a box, before the cursor p_before_id.
CREATE OR REPLACE FUNCTION dmr_reports_list(p_box geometry, p_category integer, p_statuses text[],
    p_service text, p_since timestamptz, p_limit integer, p_before_id bigint)
RETURNS TABLE (report_id bigint)
LANGUAGE plpgsql STABLE ROWS 51 AS $$
DECLARE
    f record := dmr_search_filters(p_category, p_statuses, p_service, p_since);
    sql text := 'SELECT r.id FROM report r WHERE true' || f.clause;
BEGIN
    IF p_box IS NOT NULL THEN
        sql := sql || ' AND r.point && $1';
    END IF;
    IF p_before_id IS NOT NULL THEN
        sql := sql || ' AND r.id < $7';
    END IF;
    RETURN QUERY EXECUTE sql || ' ORDER BY r.id DESC LIMIT $6'
        USING p_box, f.cats, p_statuses, f.svc, p_since, p_limit, p_before_id;
END
$$;

-- Open reports of the same top category within the category's duplicate radius (metres on
-- the ground), created in the last 30 days, nearest first: what a citizen about to report
-- should see first. The degree box lets the point index find the candidates.
CREATE OR REPLACE FUNCTION dmr_suggestions(p_lat double precision, p_lon double precision,
                                           p_category integer, p_exclude bigint)
RETURNS TABLE (report_id bigint, distance_m double precision)
LANGUAGE plpgsql STABLE ROWS 5 AS $$
DECLARE
    top integer;
    radius double precision;
    p geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
    dlat double precision;
    dlon double precision;
BEGIN
    SELECT coalesce(c.parent_id, c.id) INTO top FROM category c WHERE c.id = p_category;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'unknown_category',
            COLUMN = 'category_id', MESSAGE = format('no category has id %s', p_category);
    END IF;
    radius := dmr_category_radius(p_category);
    dlat := radius / 110000.0;
    dlon := dlat / cos(radians(least(abs(p_lat) + dlat, 89.0)));
    RETURN QUERY
        SELECT r.id, ST_Distance(r.point::geography, p::geography) AS d
        FROM report r
        JOIN category c ON c.id = r.category_id
        JOIN report_status s ON s.status = r.status
        WHERE r.point && ST_MakeEnvelope(p_lon - dlon, p_lat - dlat, p_lon + dlon,
                                         p_lat + dlat, 4326)
          AND ST_DWithin(r.point::geography, p::geography, radius)
          AND s.is_open
          AND c.parent_id = top
          AND r.created_at > now() - interval '30 days'
          AND r.id IS DISTINCT FROM p_exclude
        ORDER BY d, r.id
        LIMIT 5;
END
$$;
