-- The work side: the moves each role may make (the rows of lifecycle_transition), the history
-- of every report, duplicates, the service queues, and the reference data the admins keep
-- through the API.

-- A report's history starts with its creation event, written by the database, so that every
-- way of storing a report writes it. A report sent by an application names it (token_id), for
-- the staff's history.
CREATE OR REPLACE FUNCTION dmr_report_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_event (report_id, at, actor_role, token_id, to_status, service_id,
                              to_service)
    VALUES (NEW.id, NEW.created_at, 'reporter', NEW.client_id, NEW.status, NEW.service_id,
            NEW.service_id);
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER report_created AFTER INSERT ON report
    FOR EACH ROW EXECUTE FUNCTION dmr_report_created();

-- The history is append-only.
CREATE OR REPLACE FUNCTION dmr_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report_event is append-only';
END
$$;
CREATE OR REPLACE TRIGGER report_event_append_only BEFORE UPDATE ON report_event
    FOR EACH ROW EXECUTE FUNCTION dmr_event_append_only();

-- The statuses a role may move a report to from where it stands, in lifecycle order. A
-- contractor can send back only a report that was transferred to it.
CREATE OR REPLACE FUNCTION dmr_allowed_transitions(p_status text, p_role text,
                                                   p_transferred_from integer)
RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(t.to_status ORDER BY s.position), '{}')
    FROM lifecycle_transition t JOIN report_status s ON s.status = t.to_status
    WHERE t.from_status = p_status AND t.role = p_role
      AND NOT (p_role = 'contractor' AND t.to_status = 'acknowledged'
               AND p_transferred_from IS NULL)
$$;

-- What a transition to p_to needs, and nothing it does not use: scheduled_for (today or
-- later, Paris time) for scheduled, a reason or duplicate_of for rejected, a service for
-- transferred. Returns the rejection reason to store ('duplicate' with duplicate_of).
CREATE OR REPLACE FUNCTION dmr_transition_check(p_to text, p_role text, p_message text,
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

-- The report that p_original stands for: itself, or the first of its chain of duplicates
-- that is not a duplicate. 422 when that would make p_report a duplicate of itself.
CREATE OR REPLACE FUNCTION dmr_duplicate_root(p_report bigint, p_original bigint) RETURNS bigint
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

-- How far a duplicate may lie from its original: this many times the category's duplicate
-- radius (a long deposit, a photo taken across the street).
CREATE OR REPLACE FUNCTION dmr_duplicate_reach() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 3 $$;

-- Whether one of the services (codes) is or was the report's: its current service, or one it
-- was routed to, transferred from or sent back to. Each event keeps the service the report
-- was with after it, and the one it left.
CREATE OR REPLACE FUNCTION dmr_report_of_services(p_report bigint, p_services text[])
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM report_event e
        JOIN service s ON s.id IN (e.service_id, e.from_service, e.to_service)
        WHERE e.report_id = p_report AND s.code = ANY (p_services))
$$;

-- Whether p_original may be the original of p_dup for this actor: a report the actor can see
-- (an agent or contractor: one that is or was with its services; 403), of the same kind (top
-- category), open or closed within 30 days, and within reach on the ground (422).
CREATE OR REPLACE FUNCTION dmr_duplicate_check(p_dup report, p_original bigint, p_role text,
                                               p_services text[]) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    o report;
    reach double precision := dmr_duplicate_reach() * dmr_category_radius(p_dup.category_id);
    distance double precision;
BEGIN
    SELECT * INTO o FROM report WHERE id = p_original;
    IF p_role IN ('agent', 'contractor') AND NOT dmr_report_of_services(o.id, p_services) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden', COLUMN = 'duplicate_of',
            MESSAGE = format('report %s never was in the queues of your services', o.id);
    END IF;
    IF (SELECT c.parent_id FROM category c WHERE c.id = o.category_id)
       <> (SELECT c.parent_id FROM category c WHERE c.id = p_dup.category_id) THEN
        PERFORM dmr_field_error('duplicate_of',
            format('report %s is another kind of anomaly', o.id));
    END IF;
    IF o.status = 'archived' OR o.closed_at <= now() - interval '30 days' THEN
        PERFORM dmr_field_error('duplicate_of',
            format('report %s was closed more than 30 days ago', o.id));
    END IF;
    distance := ST_Distance(p_dup.point::geography, o.point::geography);
    IF distance > reach THEN
        PERFORM dmr_field_error('duplicate_of',
            format('report %s is %s m away: an original lies within %s m', o.id,
                   round(distance), round(reach)));
    END IF;
END
$$;

-- Moves a report to p_to for the bearer of p_token, in one transaction with its event and,
-- for a duplicate, the move of its followers. The report row is locked, so of two concurrent
-- transitions the second sees the first's result; p_version, when given, must be the
-- report's current version. Errors, in the order checked: 404, 401, 403 (another service's
-- report), 422 (an unknown status), 403 (a move the role never makes), 409 (a stale version;
-- not from this status: DETAIL lists the allowed ones), 422 (what the target needs), 403 or
-- 422 (the original of a duplicate, dmr_duplicate_check). closed_at is set when the report
-- is resolved or rejected and cleared when it is acknowledged again. Returns the new version.
CREATE OR REPLACE FUNCTION dmr_transition(p_report bigint, p_token text, p_to text, p_note text,
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
        PERFORM dmr_duplicate_check(r, original, a.role, a.services);
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
        closed_at = CASE WHEN p_to IN ('resolved', 'rejected') THEN now()
                         WHEN p_to = 'acknowledged' THEN NULL
                         ELSE closed_at END,
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

-- Who p_token is for p_report: 'reporter' (its edit token), 'staff' (agents and contractors
-- of its current or past services, supervisors, admins) or 'public' (no token, or an API
-- token of a service the report never was with). 404 unknown report, 401 bad token.
CREATE OR REPLACE FUNCTION dmr_report_viewer(p_report bigint, p_token text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a record;
BEGIN
    PERFORM 1 FROM report r WHERE r.id = p_report;
    IF NOT FOUND THEN
        PERFORM dmr_no_report(p_report);
    END IF;
    IF p_token IS NULL THEN
        RETURN 'public';
    END IF;
    a := dmr_actor(p_token, p_report);
    RETURN CASE WHEN a.role = 'reporter' THEN 'reporter'
                WHEN a.role IN ('supervisor', 'admin') THEN 'staff'
                WHEN dmr_report_of_services(p_report, a.services) THEN 'staff'
                ELSE 'public' END;
END
$$;

-- What only the staff of a report reads besides its public face: the address its client
-- typed. NULL for everyone else. 404 unknown report, 401 bad token.
CREATE OR REPLACE FUNCTION dmr_report_private(p_report bigint, p_token text,
                                              OUT viewer text, OUT address_given text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    viewer := dmr_report_viewer(p_report, p_token);
    IF viewer = 'staff' THEN
        SELECT r.address_given INTO address_given FROM report r WHERE r.id = p_report;
    END IF;
END
$$;

-- The history of a report as its bearer (dmr_report_viewer) may see it. The public: statuses,
-- dates, public messages, reasons and services. The reporter also sees the notes the reporter
-- wrote. The staff also sees every note and which token acted. 404 unknown report, 401 bad
-- token.
CREATE OR REPLACE FUNCTION dmr_report_events(p_report bigint, p_token text)
RETURNS TABLE (viewer text, id bigint, at text, from_status text, to_status text,
               message text, scheduled_for text, reason_code text, reason_label text,
               duplicate_of bigint, duplicate_of_number text, from_service text,
               to_service text, actor_role text, note text, actor_name text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    who text;
BEGIN
    who := dmr_report_viewer(p_report, p_token);
    RETURN QUERY
        SELECT who, e.id, dmr_utc_text(e.at), e.from_status, e.to_status, e.message,
               e.scheduled_for::text, rr.code, coalesce(rr.label, e.reason), e.duplicate_of,
               d.number, fs.code, ts.code, e.actor_role,
               CASE WHEN who = 'staff' OR (who = 'reporter' AND e.actor_role = 'reporter')
                    THEN e.note END,
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

-- What a queue request may read, as the report column to match and its values: the sector
-- asked for, or the services (an agent's or contractor's own, any for a supervisor).
-- 401, 403, or 422 for an unknown code.
CREATE OR REPLACE FUNCTION dmr_queue_scope(p_token text, p_service text, p_sector text,
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
-- number of reports. The cursor is the (priority, expected_at, id) of the last row read. It
-- returns at most a page, and ROWS tells the planner so (as for the searches).
CREATE OR REPLACE FUNCTION dmr_queue(p_token text, p_service text, p_sector text, p_statuses text[],
                                     p_overdue boolean, p_limit integer, p_after_priority integer,
                                     p_after_expected timestamptz, p_after_id bigint)
RETURNS TABLE (report_id bigint, cursor text)
LANGUAGE plpgsql STABLE ROWS 51 AS $$
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
CREATE OR REPLACE FUNCTION dmr_queue_counts(p_token text, p_service text, p_sector text)
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
CREATE OR REPLACE FUNCTION dmr_put_reject_reason(p_token text, p_code text, p_label text,
                                                 p_active boolean)
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

-- A category's own deadline (hours) and duplicate radius (metres); NULL gives it its top
-- category's, or the default.
CREATE OR REPLACE FUNCTION dmr_set_category_delays(p_token text, p_category integer,
                                                   p_sla_hours integer, p_radius double precision)
RETURNS void
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

-- Where a category's reports go inside an area of that kind, as an admin sets it: to that
-- service, or with NULL to the category's own service (no override). An admin's row is
-- never changed by a load of the reference data. 404 for a kind that takes no override or
-- a category that is no sub-category, 422 for an unknown service.
CREATE OR REPLACE FUNCTION dmr_put_area_override(p_token text, p_area_kind text,
                                                 p_category integer, p_service text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    target integer;
    created boolean;
BEGIN
    PERFORM dmr_require_role(p_token, '{admin}');
    -- The kinds of category_area_override's CHECK.
    IF p_area_kind IS DISTINCT FROM 'park' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
            MESSAGE = format('no area kind %s takes overrides: park does', p_area_kind);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM category WHERE id = p_category AND parent_id IS NOT NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
            MESSAGE = format('no sub-category has id %s', p_category);
    END IF;
    IF p_service IS NOT NULL THEN
        SELECT id INTO target FROM service WHERE code = p_service AND active;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'unknown_service',
                COLUMN = 'service', MESSAGE = format('no active service has code %s', p_service);
        END IF;
    END IF;
    INSERT INTO category_area_override (category_id, area_kind, service_id, source)
    VALUES (p_category, p_area_kind, target, 'admin')
    ON CONFLICT (category_id, area_kind) DO UPDATE
        SET service_id = excluded.service_id, source = 'admin', updated_at = now()
    RETURNING xmax = 0 INTO created;
    RETURN created;
END
$$;
