-- The original of a duplicate is a report the service can see, of the same kind, open or
-- recently closed, and within reach (docs/security.md).

-- When the report left the open statuses (resolved or rejected); NULL while open, cleared by
-- a reopening, kept by archiving.
ALTER TABLE report ADD COLUMN closed_at timestamptz;
UPDATE report r SET closed_at = (SELECT max(e.at) FROM report_event e WHERE e.report_id = r.id)
WHERE r.status IN ('resolved', 'rejected', 'archived');

-- How far a duplicate may lie from its original: this many times the category's duplicate
-- radius (a long deposit, a photo taken across the street).
CREATE FUNCTION dmr_duplicate_reach() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 3 $$;

-- Whether p_original may be the original of p_dup for this actor: a report the actor can see
-- (an agent or contractor: one that is or was with its services; 403), of the same kind (top
-- category), open or closed within 30 days, and within reach on the ground (422).
CREATE FUNCTION dmr_duplicate_check(p_dup report, p_original bigint, p_role text,
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

-- As in 0003, with the checks of the original of a duplicate and closed_at.
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
