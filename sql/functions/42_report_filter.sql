-- The filters of the views of the whole city: the map's report tiles, the statistics and the
-- CSV exports (docs/api.md, "Filters of the city's views"). One function turns the request's
-- filters into SQL over report r, so that the three count the same reports.

-- Whether the bearer of p_token sees every report (staff) or the public ones only: no token
-- and a client's key are the public; an unknown token is 401.
CREATE OR REPLACE FUNCTION dmr_viewer_is_staff(p_token text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_token IS NULL THEN
        RETURN false;
    END IF;
    RETURN (dmr_actor(p_token, NULL)).role IN ('agent', 'contractor', 'supervisor', 'admin');
END
$$;

-- The end (excluded) of a period that ends at p_until: a date-time, or a date's whole day.
-- (plpgsql: dmr_w3c_parse comes in a later file.)
CREATE OR REPLACE FUNCTION dmr_filter_until(p_until text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN dmr_w3c_parse(p_until)
           + CASE WHEN p_until ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN interval '1 day'
                  ELSE interval '0' END;
END
$$;

-- The clause (" AND ..." over report r) of a view's filters, and the values it reads, in this
-- order of the caller's USING list: $1 statuses (text[]), $2 service id, $3 sector id, $4
-- category ids (the given one, a top category's children, the public ones
-- for the public), $5 arrondissement, $6 since_at, $7 until_at (excluded), $8 priority, $9 the
-- open statuses. The caller's own values come from $10. since and until are dates or
-- date-times (dmr_w3c_parse: Paris time without an offset); until as a date takes its whole
-- day. Without statuses nor since, the view is
-- the default one: the open reports and those closed in the last 30 days.
-- p_statuses: a comma list of statuses, or 'open' / 'closed'. An unknown status, service,
-- sector or category, or since not before until, is 400 invalid_parameter.
CREATE OR REPLACE FUNCTION dmr_report_filter(p_token text, p_statuses text, p_service text,
    p_sector text, p_category integer, p_arrondissement integer, p_since text,
    p_until text, p_overdue boolean, p_priority integer,
    OUT clause text, OUT statuses text[], OUT service_id integer, OUT sector_id integer,
    OUT categories integer[], OUT since_at timestamptz, OUT until_at timestamptz,
    OUT open_statuses text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    staff boolean := dmr_viewer_is_staff(p_token);
BEGIN
    clause := '';
    open_statuses := ARRAY(SELECT s.status FROM report_status s WHERE s.is_open);
    IF p_statuses IS NOT NULL THEN
        statuses := CASE p_statuses
            WHEN 'open' THEN open_statuses
            WHEN 'closed' THEN ARRAY(SELECT s.status FROM report_status s WHERE NOT s.is_open)
            ELSE string_to_array(p_statuses, ',') END;
        IF EXISTS (SELECT 1 FROM unnest(statuses) u
                   WHERE u NOT IN (SELECT s.status FROM report_status s)) THEN
            PERFORM dmr_filter_error('status', 'unknown status in ' || p_statuses);
        END IF;
        clause := clause || ' AND r.status = ANY ($1)';
    END IF;
    IF p_service IS NOT NULL THEN
        SELECT s.id INTO service_id FROM service s WHERE s.code = p_service;
        IF NOT FOUND THEN
            PERFORM dmr_filter_error('service', format('no service has code %s', p_service));
        END IF;
        clause := clause || ' AND r.service_id = $2';
    END IF;
    IF p_sector IS NOT NULL THEN
        SELECT s.id INTO sector_id FROM sector s WHERE s.code = p_sector;
        IF NOT FOUND THEN
            PERFORM dmr_filter_error('sector', format('no sector has code %s', p_sector));
        END IF;
        clause := clause || ' AND r.sector_id = $3';
    END IF;
    IF p_category IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM category c WHERE c.id = p_category) THEN
            PERFORM dmr_filter_error('category', format('no category has id %s', p_category));
        END IF;
        categories := ARRAY(SELECT c.id FROM category c
                            WHERE (c.id = p_category OR c.parent_id = p_category)
                              AND (staff OR NOT c.agent_only));
        clause := clause || ' AND r.category_id = ANY ($4)';
    ELSIF NOT staff THEN
        categories := ARRAY(SELECT c.id FROM category c
                            WHERE c.parent_id IS NOT NULL AND NOT c.agent_only);
        clause := clause || ' AND r.category_id = ANY ($4)';
    END IF;
    IF p_arrondissement IS NOT NULL THEN
        clause := clause || ' AND r.arrondissement = $5';
    END IF;
    since_at := dmr_w3c_parse(p_since);
    until_at := dmr_filter_until(p_until);
    IF since_at >= until_at THEN
        PERFORM dmr_filter_error('since', 'since must come before until');
    END IF;
    IF p_since IS NOT NULL THEN
        clause := clause || ' AND r.created_at >= $6';
    END IF;
    IF p_until IS NOT NULL THEN
        clause := clause || ' AND r.created_at < $7';
    END IF;
    IF p_priority IS NOT NULL THEN
        clause := clause || ' AND r.priority = $8';
    END IF;
    IF p_overdue THEN
        clause := clause || ' AND r.status = ANY ($9) AND r.expected_at < now()';
    ELSIF NOT p_overdue THEN
        clause := clause || ' AND NOT (r.status = ANY ($9) AND r.expected_at < now())';
    END IF;
    IF p_statuses IS NULL AND p_since IS NULL THEN
        clause := clause || ' AND (r.status = ANY ($9) OR r.closed_at >= dmr_view_closed_since())';
    END IF;
END
$$;

-- The default view keeps the reports closed since then.
CREATE OR REPLACE FUNCTION dmr_view_closed_since() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT now() - interval '30 days'
$$;

-- 400 invalid_parameter for the filter p_field.
CREATE OR REPLACE FUNCTION dmr_filter_error(p_field text, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'DM400', HINT = 'invalid_parameter', COLUMN = p_field,
        MESSAGE = p_message;
END
$$;
