-- The work side: statuses and the transitions each role may make, the history of every
-- report, deadlines, service queues, followers and duplicates.

-- Statuses, with their Dans ma rue and Open311 names. A status is open while a service still
-- has something to do.
CREATE TABLE report_status (
    status    text PRIMARY KEY,
    position  smallint NOT NULL UNIQUE,
    dmr_label text NOT NULL,
    open311   text NOT NULL CHECK (open311 IN ('open', 'closed')),
    is_open   boolean NOT NULL
);
INSERT INTO report_status VALUES
    ('new',          1, 'Nouveau',              'open',   true),
    ('acknowledged', 2, 'A traiter',            'open',   true),
    ('scheduled',    3, 'Service programmé',    'open',   true),
    ('transferred',  4, 'Transféré à un tiers', 'open',   true),
    ('on_hold',      5, 'Sous surveillance',    'open',   true),
    ('resolved',     6, 'Service fait',         'closed', false),
    ('rejected',     7, 'Rejeté',               'closed', false),
    ('archived',     8, 'Archivé',              'closed', false);

-- The one table of the lifecycle: which role may move a report from which status to which.
-- agent and contractor act on the reports of their services only; reporter is the holder of
-- the report's edit token. For a contractor, moving a report to acknowledged sends it back
-- to the service that transferred it.
CREATE TABLE lifecycle_transition (
    from_status text NOT NULL REFERENCES report_status,
    to_status   text NOT NULL REFERENCES report_status,
    role        text NOT NULL
                CHECK (role IN ('agent', 'contractor', 'supervisor', 'admin', 'reporter')),
    PRIMARY KEY (from_status, to_status, role)
);
INSERT INTO lifecycle_transition (from_status, to_status, role)
SELECT f, t, 'agent'
FROM unnest(ARRAY['new', 'acknowledged', 'scheduled', 'transferred', 'on_hold']) f,
     unnest(ARRAY['scheduled', 'transferred', 'on_hold', 'resolved', 'rejected']) t
WHERE f <> t OR f IN ('scheduled', 'transferred')
UNION ALL
SELECT f, 'acknowledged', 'agent'
FROM unnest(ARRAY['new', 'transferred', 'on_hold', 'resolved', 'rejected']) f
UNION ALL
SELECT f, t, 'contractor'
FROM unnest(ARRAY['new', 'transferred', 'scheduled']) f,
     unnest(ARRAY['scheduled', 'resolved', 'rejected', 'acknowledged']) t
UNION ALL
SELECT f, 'transferred', 'supervisor'
FROM unnest(ARRAY['new', 'acknowledged', 'scheduled', 'transferred', 'on_hold']) f
UNION ALL
SELECT f, 'archived', 'admin' FROM unnest(ARRAY['resolved', 'rejected']) f
UNION ALL
SELECT f, 'resolved', 'reporter'
FROM unnest(ARRAY['new', 'acknowledged', 'scheduled', 'transferred', 'on_hold']) f;

-- Rejection reasons the admins keep; a rejection names one of them or gives free text.
CREATE TABLE reject_reason (
    code   text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    label  text NOT NULL CHECK (label <> ''),
    active boolean NOT NULL DEFAULT true
);
INSERT INTO reject_reason (code, label) VALUES
    ('duplicate', 'Doublon d''un signalement existant'),
    ('not_found', 'Anomalie non constatée sur place'),
    ('private_property', 'Domaine privé : hors compétence de la Ville'),
    ('other_body', 'Relève d''un autre organisme (RATP, bailleur, concessionnaire)'),
    ('already_done', 'Déjà traité'),
    ('unusable', 'Signalement imprécis ou photo inexploitable');

-- Deadlines and duplicate radii, per category; a sub-category without its own takes its top
-- category's, and one without either the defaults of dmr_category_sla and
-- dmr_category_radius.
ALTER TABLE category
    ADD COLUMN sla_hours integer CHECK (sla_hours BETWEEN 1 AND 8760),
    ADD COLUMN duplicate_radius_m double precision
               CHECK (duplicate_radius_m > 0 AND duplicate_radius_m <= 1000);

CREATE FUNCTION dmr_category_sla(p_category integer) RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT make_interval(hours => coalesce(c.sla_hours, p.sla_hours, 168))
    FROM category c LEFT JOIN category p ON p.id = c.parent_id
    WHERE c.id = p_category
$$;

CREATE FUNCTION dmr_category_radius(p_category integer) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.duplicate_radius_m, p.duplicate_radius_m, 50)
    FROM category c LEFT JOIN category p ON p.id = c.parent_id
    WHERE c.id = p_category
$$;

ALTER TABLE report
    ADD COLUMN version          integer NOT NULL DEFAULT 1,
    ADD COLUMN expected_at      timestamptz,
    ADD COLUMN acknowledged_at  timestamptz,
    ADD COLUMN scheduled_for    date,
    ADD COLUMN resolved_at      timestamptz,
    ADD COLUMN duplicate_of     bigint REFERENCES report (id),
    ADD COLUMN reject_reason    text,
    ADD COLUMN transferred_from integer REFERENCES service (id),
    ADD COLUMN followers        integer NOT NULL DEFAULT 0;
UPDATE report SET expected_at = created_at + dmr_category_sla(category_id);
ALTER TABLE report
    ALTER COLUMN expected_at SET NOT NULL,
    ADD CONSTRAINT report_status_fkey FOREIGN KEY (status) REFERENCES report_status;

-- Queues read these in order of urgency, one scan per status and priority (dmr_queue).
DROP INDEX report_service_idx;
CREATE INDEX report_service_queue_idx
    ON report (service_id, status, priority, expected_at, id);
CREATE INDEX report_sector_queue_idx
    ON report (sector_id, status, priority, expected_at, id);
CREATE INDEX report_duplicate_of_idx ON report (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- The deadline is set by the database, so every way of storing a report gets one.
CREATE FUNCTION dmr_report_deadline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.expected_at := NEW.created_at + dmr_category_sla(NEW.category_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER report_deadline BEFORE INSERT ON report
    FOR EACH ROW WHEN (NEW.expected_at IS NULL) EXECUTE FUNCTION dmr_report_deadline();

-- The append-only history. message is public; note, the actor's role and token are for the
-- staff and the reporter (see dmr_report_events). service_id is the service the report was
-- with once the event happened; from_service and to_service mark routing and transfers.
CREATE TABLE report_event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id     bigint NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_role    text NOT NULL
                  CHECK (actor_role IN ('reporter', 'agent', 'contractor', 'supervisor', 'admin')),
    token_id      integer REFERENCES api_token (id),
    from_status   text REFERENCES report_status,
    to_status     text NOT NULL REFERENCES report_status,
    message       text,
    note          text,
    scheduled_for date,
    reason        text,
    duplicate_of  bigint REFERENCES report (id),
    service_id    integer NOT NULL REFERENCES service (id),
    from_service  integer REFERENCES service (id),
    to_service    integer REFERENCES service (id)
);
CREATE INDEX report_event_report_idx ON report_event (report_id, id);

CREATE FUNCTION dmr_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report_event is append-only';
END
$$;
CREATE TRIGGER report_event_append_only BEFORE UPDATE ON report_event
    FOR EACH ROW EXECUTE FUNCTION dmr_event_append_only();

CREATE FUNCTION dmr_report_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_event (report_id, at, actor_role, to_status, service_id, to_service)
    VALUES (NEW.id, NEW.created_at, 'reporter', NEW.status, NEW.service_id, NEW.service_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER report_created AFTER INSERT ON report
    FOR EACH ROW EXECUTE FUNCTION dmr_report_created();

INSERT INTO report_event (report_id, at, actor_role, to_status, service_id, to_service)
SELECT id, created_at, 'reporter', 'new', service_id, service_id FROM report;

-- People who follow a report ("je suis aussi concerné"), the reporter among them. Personal
-- data: only the count reaches a public answer.
CREATE TABLE follower (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id  bigint NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    email      text,
    device_id  text,
    reporter   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR device_id IS NOT NULL)
);
CREATE UNIQUE INDEX follower_email_idx ON follower (report_id, lower(email));
CREATE UNIQUE INDEX follower_device_idx ON follower (report_id, device_id);

CREATE FUNCTION dmr_reporter_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO follower (report_id, email, device_id, reporter)
    VALUES (NEW.report_id, NEW.email, NEW.device_id, true);
    UPDATE report SET followers = followers + 1 WHERE id = NEW.report_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER reporter_follows AFTER INSERT ON reporter
    FOR EACH ROW EXECUTE FUNCTION dmr_reporter_follows();

INSERT INTO follower (report_id, email, device_id, reporter)
SELECT report_id, email, device_id, true FROM reporter;
UPDATE report r SET followers = 1 FROM reporter p WHERE p.report_id = r.id;

CREATE FUNCTION dmr_utc_text(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The public face of a report, now with its lifecycle. Columns keep their places; the new
-- ones come last.
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
       coalesce(rr.label, r.reject_reason) AS reject_label
FROM report r
JOIN report_status st ON st.status = r.status
LEFT JOIN reject_reason rr ON rr.code = r.reject_reason
JOIN category c ON c.id = r.category_id
JOIN category p ON p.id = c.parent_id
JOIN service s ON s.id = r.service_id
LEFT JOIN sector se ON se.id = r.sector_id;

-- Routing rules 3 to 5 inside one service, shared by the routing of a new report and the
-- transfer of a report to another service.
CREATE FUNCTION dmr_route_in_service(p_service integer, p geometry,
                                     OUT sector_id integer, OUT rule text,
                                     OUT distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT s.id INTO sector_id
    FROM sector s
    WHERE s.service_id = p_service AND ST_Intersects(s.geom, p)
    ORDER BY s.priority DESC, s.area_m2, s.id
    LIMIT 1;
    IF FOUND THEN
        rule := 'category_sector';
        RETURN;
    END IF;

    -- Nearest in metres on the ground: a service has few sectors, so each is measured.
    SELECT s.id, ST_Distance(s.geom::geography, p::geography) AS d INTO sector_id, distance_m
    FROM sector s
    WHERE s.service_id = p_service
    ORDER BY d, s.id
    LIMIT 1;
    IF FOUND THEN
        rule := 'nearest_sector';
        RETURN;
    END IF;

    sector_id := NULL;
    distance_m := NULL;
    rule := 'service_queue';
END
$$;

CREATE OR REPLACE FUNCTION dmr_route(p_category integer, p geometry,
                                     OUT service_id integer, OUT sector_id integer,
                                     OUT rule text, OUT distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT s.service_id, s.id INTO service_id, sector_id
    FROM sector s
    WHERE s.overrides_category AND ST_Intersects(s.geom, p)
    ORDER BY s.priority DESC, s.area_m2, s.id
    LIMIT 1;
    IF FOUND THEN
        rule := 'override_sector';
        RETURN;
    END IF;
    SELECT c.service_id INTO service_id FROM category c WHERE c.id = p_category;
    SELECT * INTO sector_id, rule, distance_m FROM dmr_route_in_service(service_id, p);
END
$$;

-- The answer for a report id that does not exist.
CREATE FUNCTION dmr_no_report(p_report bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
        MESSAGE = format('no report has id %s', p_report);
END
$$;

-- Who bears p_token: an API token (its role, id and service codes) or, for p_report, the
-- report's edit token (role reporter). 401 for anything else.
CREATE FUNCTION dmr_actor(p_token text, p_report bigint,
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
CREATE FUNCTION dmr_require_role(p_token text, p_roles text[]) RETURNS integer
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

-- The statuses a role may move a report to from where it stands, in lifecycle order. A
-- contractor can send back only a report that was transferred to it.
CREATE FUNCTION dmr_allowed_transitions(p_status text, p_role text, p_transferred_from integer)
RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(t.to_status ORDER BY s.position), '{}')
    FROM lifecycle_transition t JOIN report_status s ON s.status = t.to_status
    WHERE t.from_status = p_status AND t.role = p_role
      AND NOT (p_role = 'contractor' AND t.to_status = 'acknowledged'
               AND p_transferred_from IS NULL)
$$;

-- The report that p_original stands for: itself, or the first of its chain of duplicates
-- that is not a duplicate. 422 when that would make p_report a duplicate of itself.
CREATE FUNCTION dmr_duplicate_root(p_report bigint, p_original bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    root bigint := p_original;
    next bigint;
BEGIN
    FOR step IN 1..100 LOOP
        IF root = p_report THEN
            RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'invalid_field',
                COLUMN = 'duplicate_of',
                MESSAGE = 'a report cannot be a duplicate of itself';
        END IF;
        SELECT r.duplicate_of INTO next FROM report r WHERE r.id = root;
        IF NOT FOUND THEN
            PERFORM dmr_field_error('duplicate_of', format('no report has id %s', root));
        END IF;
        EXIT WHEN next IS NULL;
        root := next;
    END LOOP;
    RETURN root;
END
$$;

-- Moves the followers of a duplicate to its original (someone following both counts once).
CREATE FUNCTION dmr_move_followers(p_from bigint, p_to bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO follower (report_id, email, device_id, created_at)
    SELECT p_to, f.email, f.device_id, f.created_at FROM follower f WHERE f.report_id = p_from
    ON CONFLICT DO NOTHING;
    DELETE FROM follower WHERE report_id = p_from;
    UPDATE report SET followers = (SELECT count(*) FROM follower WHERE report_id = p_to)
    WHERE id = p_to;
    UPDATE report SET followers = 0 WHERE id = p_from;
$$;

CREATE FUNCTION dmr_field_error(p_field text, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'invalid_field', COLUMN = p_field,
        MESSAGE = p_message;
END
$$;

-- What a transition to p_to needs, and nothing it does not use: scheduled_for (today or
-- later, Paris time) for scheduled, a reason or duplicate_of for rejected, a service for
-- transferred. Returns the rejection reason to store ('duplicate' with duplicate_of).
CREATE FUNCTION dmr_transition_check(p_to text, p_role text, p_message text,
                                     p_scheduled_for date, p_reason text,
                                     p_duplicate_of bigint, p_service text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF p_role = 'reporter' AND p_message IS NOT NULL THEN
        PERFORM dmr_field_error('message', 'message is the services'' public answer; send note');
    END IF;
    IF p_scheduled_for IS NOT NULL AND p_to <> 'scheduled' THEN
        PERFORM dmr_field_error('scheduled_for', 'scheduled_for goes with to=scheduled');
    END IF;
    IF (p_reason IS NOT NULL OR p_duplicate_of IS NOT NULL) AND p_to <> 'rejected' THEN
        PERFORM dmr_field_error(CASE WHEN p_reason IS NULL THEN 'duplicate_of' ELSE 'reason' END,
                                'reason and duplicate_of go with to=rejected');
    END IF;
    IF p_service IS NOT NULL AND p_to <> 'transferred' THEN
        PERFORM dmr_field_error('service', 'service goes with to=transferred');
    END IF;
    IF p_to = 'scheduled' AND p_scheduled_for IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'missing_field', COLUMN = 'scheduled_for',
            MESSAGE = 'scheduled_for (YYYY-MM-DD) is required to schedule a report';
    END IF;
    IF p_scheduled_for < (now() AT TIME ZONE 'Europe/Paris')::date THEN
        PERFORM dmr_field_error('scheduled_for', 'scheduled_for is in the past');
    END IF;
    IF p_to = 'transferred' AND p_service IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'missing_field', COLUMN = 'service',
            MESSAGE = 'service (the code of the receiving service) is required to transfer';
    END IF;
    IF p_to <> 'rejected' THEN
        RETURN NULL;
    END IF;
    IF p_duplicate_of IS NOT NULL THEN
        IF p_reason IS NOT NULL AND p_reason <> 'duplicate' THEN
            PERFORM dmr_field_error('reason', 'a duplicate is rejected with reason duplicate');
        END IF;
        RETURN 'duplicate';
    END IF;
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'missing_field', COLUMN = 'reason',
            MESSAGE = 'reason (a code of /api/v1/reject-reasons, or a text) is required to reject';
    END IF;
    IF p_reason = 'duplicate' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'missing_field', COLUMN = 'duplicate_of',
            MESSAGE = 'a duplicate names its original: send duplicate_of';
    END IF;
    RETURN p_reason;
END
$$;

-- Moves a report to p_to for the bearer of p_token, in one transaction with its event and,
-- for a duplicate, the move of its followers. The report row is locked, so of two concurrent
-- transitions the second sees the first's result; p_version, when given, must be the
-- report's current version. Errors, in the order checked: 404, 401, 403 (another service's
-- report), 422 (an unknown status), 403 (a move the role never makes), 409 (a stale version;
-- not from this status: DETAIL lists the allowed ones), 422 (what the target needs).
-- Returns the new version.
CREATE FUNCTION dmr_transition(p_report bigint, p_token text, p_to text, p_note text,
                               p_message text, p_scheduled_for date, p_reason text,
                               p_duplicate_of bigint, p_service text, p_version integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r report;
    a record;
    service_code text;
    allowed text[];
    reason text;
    original bigint;
    new_service integer;
    new_sector integer;
    new_rule text;
    new_distance double precision;
BEGIN
    IF p_duplicate_of IS NOT NULL THEN
        -- Both rows are locked in id order, so that two reports marked duplicates of each
        -- other at the same moment cannot deadlock.
        PERFORM 1 FROM report WHERE id IN (p_report, p_duplicate_of) ORDER BY id FOR UPDATE;
    END IF;
    SELECT * INTO r FROM report WHERE id = p_report FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM dmr_no_report(p_report);
    END IF;
    a := dmr_actor(p_token, p_report);
    SELECT code INTO service_code FROM service WHERE id = r.service_id;
    IF a.role IN ('agent', 'contractor') AND NOT service_code = ANY (a.services) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
            MESSAGE = format('this report is in the queue of %s, not of your services',
                             service_code);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM report_status WHERE status = p_to) THEN
        PERFORM dmr_field_error('to', format('%s is not a status', p_to));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lifecycle_transition t
                   WHERE t.to_status = p_to AND t.role = a.role) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
            MESSAGE = format('the %s role never moves a report to %s', a.role, p_to);
    END IF;
    IF p_version IS NOT NULL AND p_version <> r.version THEN
        RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'version_conflict',
            MESSAGE = format('the report changed: it is at version %s, not %s', r.version,
                             p_version),
            DETAIL = json_build_object('version', r.version, 'status', r.status)::text;
    END IF;
    allowed := dmr_allowed_transitions(r.status, a.role, r.transferred_from);
    IF NOT p_to = ANY (allowed) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'transition_not_allowed',
            MESSAGE = format('the %s role cannot move a %s report to %s', a.role, r.status, p_to),
            DETAIL = json_build_object('status', r.status, 'allowed', allowed)::text;
    END IF;

    reason := dmr_transition_check(p_to, a.role, p_message, p_scheduled_for, p_reason,
                                   p_duplicate_of, p_service);
    IF p_duplicate_of IS NOT NULL THEN
        original := dmr_duplicate_root(p_report, p_duplicate_of);
    END IF;
    IF p_to = 'transferred' THEN
        SELECT id INTO new_service FROM service WHERE code = p_service AND active;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'unknown_service', COLUMN = 'service',
                MESSAGE = format('no active service has code %s', p_service);
        END IF;
        IF new_service = r.service_id THEN
            PERFORM dmr_field_error('service', format('the report is already with %s', p_service));
        END IF;
    ELSIF p_to = 'acknowledged' AND a.role = 'contractor' THEN
        new_service := r.transferred_from;
    END IF;
    IF new_service IS NOT NULL THEN
        SELECT * INTO new_sector, new_rule, new_distance
        FROM dmr_route_in_service(new_service, r.point);
    END IF;

    UPDATE report SET
        status = p_to,
        version = version + 1,
        acknowledged_at = CASE WHEN acknowledged_at IS NULL AND a.role <> 'reporter'
                               THEN now() ELSE acknowledged_at END,
        scheduled_for = CASE WHEN p_to = 'scheduled' THEN p_scheduled_for
                             WHEN p_to IN ('acknowledged', 'transferred') THEN NULL
                             ELSE scheduled_for END,
        resolved_at = CASE WHEN p_to = 'resolved' THEN now()
                           WHEN p_to = 'acknowledged' THEN NULL
                           ELSE resolved_at END,
        reject_reason = CASE WHEN p_to = 'rejected' THEN reason
                             WHEN p_to = 'acknowledged' THEN NULL
                             ELSE reject_reason END,
        duplicate_of = CASE WHEN p_to = 'rejected' THEN original
                            WHEN p_to = 'acknowledged' THEN NULL
                            ELSE duplicate_of END,
        service_id = coalesce(new_service, service_id),
        sector_id = CASE WHEN new_service IS NULL THEN sector_id ELSE new_sector END,
        routing_rule = coalesce(new_rule, routing_rule),
        routing_distance_m = CASE WHEN new_service IS NULL THEN routing_distance_m
                                  ELSE new_distance END,
        transferred_from = CASE WHEN new_service IS NULL THEN transferred_from
                                ELSE r.service_id END
    WHERE id = p_report;

    INSERT INTO report_event (report_id, actor_role, token_id, from_status, to_status, message,
                              note, scheduled_for, reason, duplicate_of, service_id,
                              from_service, to_service)
    VALUES (p_report, a.role, a.token_id, r.status, p_to, p_message, p_note, p_scheduled_for,
            reason, original, coalesce(new_service, r.service_id),
            CASE WHEN new_service IS NOT NULL THEN r.service_id END, new_service);

    IF original IS NOT NULL THEN
        PERFORM dmr_move_followers(p_report, original);
    END IF;
    RETURN r.version + 1;
END
$$;

-- The history of a report as its bearer may see it. Without a token: statuses, dates,
-- public messages, reasons and services. The reporter (edit token) also sees the notes; the
-- staff (any API token) also sees which token acted. 404 unknown report, 401 bad token.
CREATE FUNCTION dmr_report_events(p_report bigint, p_token text)
RETURNS TABLE (viewer text, id bigint, at text, from_status text, to_status text,
               message text, scheduled_for text, reason_code text, reason_label text,
               duplicate_of bigint, duplicate_of_number text, from_service text,
               to_service text, actor_role text, note text, actor_name text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    who text := 'public';
BEGIN
    PERFORM 1 FROM report r WHERE r.id = p_report;
    IF NOT FOUND THEN
        PERFORM dmr_no_report(p_report);
    END IF;
    IF p_token IS NOT NULL THEN
        who := CASE (dmr_actor(p_token, p_report)).role WHEN 'reporter' THEN 'reporter'
               ELSE 'staff' END;
    END IF;
    RETURN QUERY
        SELECT who, e.id, dmr_utc_text(e.at), e.from_status, e.to_status, e.message,
               e.scheduled_for::text, rr.code, coalesce(rr.label, e.reason), e.duplicate_of,
               d.number, fs.code, ts.code, e.actor_role,
               CASE WHEN who <> 'public' THEN e.note END,
               CASE WHEN who = 'staff' THEN t.name END
        FROM report_event e
        LEFT JOIN reject_reason rr ON rr.code = e.reason
        LEFT JOIN report d ON d.id = e.duplicate_of
        LEFT JOIN service fs ON fs.id = e.from_service
        LEFT JOIN service ts ON ts.id = e.to_service
        LEFT JOIN api_token t ON t.id = e.token_id
        WHERE e.report_id = p_report
        ORDER BY e.id;
END
$$;

-- The report a follower of p_report follows: the original when p_report is a duplicate.
CREATE FUNCTION dmr_followed_report(p_report bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    dup bigint;
BEGIN
    SELECT r.duplicate_of INTO dup FROM report r WHERE r.id = p_report;
    IF NOT FOUND THEN
        PERFORM dmr_no_report(p_report);
    END IF;
    RETURN CASE WHEN dup IS NULL THEN p_report ELSE dmr_duplicate_root(p_report, dup) END;
END
$$;

-- Adds a follower (e-mail and/or device id) to an open report, or to the original of a
-- duplicate; following twice changes nothing. 409 when the report is closed.
CREATE FUNCTION dmr_follow(p_report bigint, p_email text, p_device text,
                           OUT report_id bigint, OUT followers integer)
LANGUAGE plpgsql AS $$
DECLARE
    open boolean;
BEGIN
    report_id := dmr_followed_report(p_report);
    SELECT s.is_open INTO open
    FROM report r JOIN report_status s ON s.status = r.status
    WHERE r.id = dmr_follow.report_id FOR UPDATE OF r;
    IF NOT open THEN
        RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'report_closed',
            MESSAGE = 'this report is closed: there is nothing more to follow';
    END IF;
    INSERT INTO follower (report_id, email, device_id)
    VALUES (dmr_follow.report_id, p_email, p_device)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        UPDATE report r SET followers = r.followers + 1 WHERE r.id = dmr_follow.report_id;
    END IF;
    SELECT r.followers INTO followers FROM report r WHERE r.id = dmr_follow.report_id;
END
$$;

-- Removes the follower with that e-mail or device id, if any.
CREATE FUNCTION dmr_unfollow(p_report bigint, p_email text, p_device text,
                             OUT report_id bigint, OUT followers integer)
LANGUAGE plpgsql AS $$
DECLARE
    removed integer;
BEGIN
    report_id := dmr_followed_report(p_report);
    PERFORM 1 FROM report r WHERE r.id = dmr_unfollow.report_id FOR UPDATE;
    DELETE FROM follower f
    WHERE f.report_id = dmr_unfollow.report_id
      AND (lower(f.email) = lower(p_email) OR f.device_id = p_device);
    GET DIAGNOSTICS removed = ROW_COUNT;
    UPDATE report r SET followers = r.followers - removed WHERE r.id = dmr_unfollow.report_id
    RETURNING r.followers INTO followers;
END
$$;

-- Open reports of the same top category within the category's duplicate radius (metres on
-- the ground), created in the last 30 days, nearest first: what a citizen about to report
-- should see first. The degree box lets the point index find the candidates.
CREATE FUNCTION dmr_suggestions(p_lat double precision, p_lon double precision,
                                p_category integer, p_exclude bigint)
RETURNS TABLE (report_id bigint, distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
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

-- What a queue request may read, as the report column to match and its values: the sector
-- asked for, or the services (an agent's or contractor's own, any for a supervisor).
-- 401, 403, or 422 for an unknown code.
CREATE FUNCTION dmr_queue_scope(p_token text, p_service text, p_sector text,
                                OUT key_column text, OUT keys integer[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a record := dmr_actor(p_token, NULL);
    services integer[];
    svc integer;
    sector integer;
    sector_service integer;
BEGIN
    IF a.role NOT IN ('agent', 'contractor', 'supervisor') THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
            MESSAGE = 'queues are for agents, contractors and supervisors';
    END IF;
    services := CASE WHEN a.role = 'supervisor' THEN ARRAY(SELECT s.id FROM service s)
                     ELSE ARRAY(SELECT s.id FROM service s WHERE s.code = ANY (a.services)) END;
    IF p_service IS NOT NULL THEN
        SELECT s.id INTO svc FROM service s WHERE s.code = p_service;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'unknown_service', COLUMN = 'service',
                MESSAGE = format('no service has code %s', p_service);
        END IF;
        IF NOT svc = ANY (services) THEN
            RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
                MESSAGE = format('the queue of %s is not yours to read', p_service);
        END IF;
        services := ARRAY[svc];
    END IF;
    IF p_sector IS NOT NULL THEN
        SELECT s.id, s.service_id INTO sector, sector_service FROM sector s
        WHERE s.code = p_sector;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'unknown_sector', COLUMN = 'sector',
                MESSAGE = format('no sector has code %s', p_sector);
        END IF;
        IF NOT sector_service = ANY (services) THEN
            RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
                MESSAGE = format('sector %s is not in the services you read', p_sector);
        END IF;
        key_column := 'sector_id';
        keys := ARRAY[sector];
        RETURN;
    END IF;
    key_column := 'service_id';
    keys := services;
END
$$;

-- A page of a queue, most urgent first: priority, then deadline (overdue reports first, the
-- longest overdue at the top), then id. Each (service or sector, status, priority) is one
-- bounded scan of a queue index in that order, so the cost follows the page size, not the
-- number of reports. The cursor is the (priority, expected_at, id) of the last row read.
CREATE FUNCTION dmr_queue(p_token text, p_service text, p_sector text, p_statuses text[],
                          p_overdue boolean, p_limit integer, p_after_priority integer,
                          p_after_expected timestamptz, p_after_id bigint)
RETURNS TABLE (report_id bigint, cursor text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    scope record := dmr_queue_scope(p_token, p_service, p_sector);
    statuses text[] := coalesce(p_statuses,
                                ARRAY(SELECT s.status FROM report_status s WHERE s.is_open));
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT q.id, q.priority || '','' || to_char(q.expected_at AT TIME ZONE ''UTC'','
        '           ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'') || '','' || q.id'
        ' FROM unnest($1) AS k (id), unnest($2) AS st (status),'
        '      generate_series(greatest($3, 1), 3) AS pr (priority),'
        '      LATERAL (SELECT r.id, r.priority, r.expected_at FROM report r'
        '               WHERE r.%I = k.id AND r.status = st.status'
        '                 AND r.priority = pr.priority AND r.expected_at < $4'
        '                 AND (r.expected_at, r.id) >'
        '                     (CASE WHEN pr.priority = $3 THEN $5 ELSE ''-infinity'' END,'
        '                      CASE WHEN pr.priority = $3 THEN $6 ELSE 0 END)'
        '               ORDER BY r.expected_at, r.id LIMIT $7) q'
        ' ORDER BY q.priority, q.expected_at, q.id LIMIT $7', scope.key_column)
    USING scope.keys, statuses, coalesce(p_after_priority, 0),
          CASE WHEN p_overdue THEN now() ELSE 'infinity' END, p_after_expected,
          p_after_id, p_limit;
END
$$;

-- The open reports of a queue per status, and how many of them are overdue.
CREATE FUNCTION dmr_queue_counts(p_token text, p_service text, p_sector text)
RETURNS TABLE (status text, total bigint, overdue bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    scope record := dmr_queue_scope(p_token, p_service, p_sector);
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT s.status, c.total, c.overdue FROM report_status s,'
        '  LATERAL (SELECT count(*) AS total,'
        '                  count(*) FILTER (WHERE r.expected_at < now()) AS overdue'
        '           FROM report r WHERE r.status = s.status AND r.%I = ANY ($1)) c'
        ' WHERE s.is_open ORDER BY s.position', scope.key_column)
    USING scope.keys;
END
$$;

-- Reference data the admins keep through the API.
CREATE FUNCTION dmr_put_reject_reason(p_token text, p_code text, p_label text, p_active boolean)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    created boolean;
BEGIN
    PERFORM dmr_require_role(p_token, '{admin}');
    IF p_code !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        PERFORM dmr_field_error('code', 'a code is 1 to 40 of a-z, 0-9 and _, starting with a letter');
    END IF;
    IF p_label IS NULL OR btrim(p_label) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'missing_field', COLUMN = 'label',
            MESSAGE = 'label is required';
    END IF;
    INSERT INTO reject_reason (code, label, active) VALUES (p_code, p_label, p_active)
    ON CONFLICT (code) DO UPDATE SET label = excluded.label, active = excluded.active
    RETURNING xmax = 0 INTO created;
    RETURN created;
END
$$;

CREATE FUNCTION dmr_set_category_delays(p_token text, p_category integer, p_sla_hours integer,
                                        p_radius double precision) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dmr_require_role(p_token, '{admin}');
    IF p_sla_hours IS NOT NULL AND (p_sla_hours < 1 OR p_sla_hours > 8760) THEN
        PERFORM dmr_field_error('sla_hours', 'sla_hours must be between 1 and 8760');
    END IF;
    IF p_radius IS NOT NULL AND (p_radius <= 0 OR p_radius > 1000) THEN
        PERFORM dmr_field_error('duplicate_radius_m',
                                'duplicate_radius_m must be above 0 and at most 1000');
    END IF;
    UPDATE category SET sla_hours = p_sla_hours, duplicate_radius_m = p_radius
    WHERE id = p_category;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
            MESSAGE = format('no category has id %s', p_category);
    END IF;
END
$$;
