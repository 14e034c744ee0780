-- Open311 GeoReport v2 (docs/open311.md): its dates, its lists of requests and
-- FixMyStreet's status updates. Public data only: no e-mail, name, phone or client here.

-- A W3C date-time in Paris time with its offset: 2026-12-02T09:30:00+01:00.
CREATE OR REPLACE FUNCTION dmr_w3c(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(l, 'YYYY-MM-DD"T"HH24:MI:SS')
           || CASE WHEN l < u THEN '-' || to_char(u - l, 'HH24:MI')
                   ELSE '+' || to_char(l - u, 'HH24:MI') END
    FROM (SELECT t AT TIME ZONE 'Europe/Paris' AS l, t AT TIME ZONE 'UTC' AS u) x
$$;

-- A date or date-time a client sent (checked by dmrd's text_datetime_valid): with an offset
-- or Z as it says, without one in Paris time.
CREATE OR REPLACE FUNCTION dmr_w3c_parse(p text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p ~ '[T ].*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN p::timestamptz
                ELSE p::timestamp AT TIME ZONE 'Europe/Paris' END
$$;

-- The period a list covers: [p_start, p_end], 90 days at most. Without either bound it is
-- the last 90 days; with one, the 90 days after the start or before the end. 400 when the
-- end comes first or the span is longer.
CREATE OR REPLACE FUNCTION dmr_open311_period(p_start timestamptz, p_end timestamptz,
                                              OUT first_at timestamptz,
                                              OUT last_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    first_at := coalesce(p_start, p_end - interval '90 days', now() - interval '90 days');
    last_at := coalesce(p_end, CASE WHEN p_start IS NOT NULL THEN p_start + interval '90 days'
                                    ELSE now() END);
    IF last_at < first_at THEN
        RAISE EXCEPTION USING ERRCODE = 'DM400', HINT = 'invalid_parameter',
            COLUMN = 'end_date', MESSAGE = 'end_date comes before start_date';
    END IF;
    IF last_at - first_at > interval '90 days' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM400', HINT = 'invalid_parameter',
            COLUMN = 'end_date', MESSAGE = 'from start_date to end_date is more than 90 days';
    END IF;
END
$$;

-- The public requests of a query, newest first: by ids (which override the rest), or in a
-- period of creation, with services (categories), open or closed, a bounding box and the
-- time of their last update. Agent-only categories are never public.
CREATE OR REPLACE FUNCTION dmr_open311_requests(p_ids bigint[], p_categories integer[],
                                                p_start timestamptz, p_end timestamptz,
                                                p_open boolean, p_updated_after timestamptz,
                                                p_updated_before timestamptz, p_bbox geometry,
                                                p_limit integer, p_offset integer)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    period record;
BEGIN
    IF p_ids IS NOT NULL THEN
        RETURN QUERY
            SELECT r.id FROM report r JOIN category c ON c.id = r.category_id
            WHERE r.id = ANY (p_ids) AND NOT c.agent_only
            ORDER BY r.created_at DESC, r.id DESC LIMIT p_limit OFFSET p_offset;
        RETURN;
    END IF;
    period := dmr_open311_period(p_start, p_end);
    RETURN QUERY
        SELECT r.id
        FROM report r
        JOIN category c ON c.id = r.category_id
        JOIN report_status st ON st.status = r.status
        WHERE r.created_at BETWEEN period.first_at AND period.last_at
          AND NOT c.agent_only
          AND (p_categories IS NULL OR r.category_id = ANY (p_categories))
          AND (p_open IS NULL OR st.is_open = p_open)
          AND (p_bbox IS NULL OR r.point && p_bbox)
          AND (p_updated_after IS NULL OR EXISTS (
                   SELECT 1 FROM report_event e
                   WHERE e.report_id = r.id AND e.at > p_updated_after))
          AND (p_updated_before IS NULL OR NOT EXISTS (
                   SELECT 1 FROM report_event e
                   WHERE e.report_id = r.id AND e.at >= p_updated_before))
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT p_limit OFFSET p_offset;
END
$$;

-- What Open311 shows of a report besides report_public: open or closed, its dates in W3C
-- form, the time of its last event and the last public message.
CREATE OR REPLACE FUNCTION dmr_open311_dates(p_report bigint, OUT open311_status text,
                                             OUT requested_w3c text, OUT updated_w3c text,
                                             OUT expected_w3c text, OUT status_notes text)
LANGUAGE sql STABLE AS $$
    SELECT (SELECT st.open311 FROM report_status st WHERE st.status = r.status),
           dmr_w3c(r.created_at),
           (SELECT dmr_w3c(max(e.at)) FROM report_event e WHERE e.report_id = r.id),
           dmr_w3c(r.expected_at),
           (SELECT e.message FROM report_event e
            WHERE e.report_id = r.id AND e.message IS NOT NULL
            ORDER BY e.id DESC LIMIT 1)
    FROM report r WHERE r.id = p_report
$$;

-- An event's public text: its message, else its status' label and a rejection's reason.
CREATE OR REPLACE FUNCTION dmr_open311_event_text(p_message text, p_label text, p_reason text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(p_message, p_label || coalesce(' : ' || p_reason, ''))
$$;

-- The public history of reports (notes of extensions=true), in order: each event's date, its
-- public text and its type.
CREATE OR REPLACE FUNCTION dmr_open311_notes(p_reports bigint[])
RETURNS TABLE (report_id bigint, at text, description text, type text)
LANGUAGE sql STABLE AS $$
    SELECT e.report_id, dmr_w3c(e.at),
           dmr_open311_event_text(e.message, st.dmr_label, coalesce(rr.label, e.reason)),
           CASE WHEN e.from_status IS NULL THEN 'creation'
                WHEN e.from_status <> e.to_status THEN 'status_change'
                ELSE 'note' END
    FROM report_event e
    JOIN report_status st ON st.status = e.to_status
    LEFT JOIN reject_reason rr ON rr.code = e.reason
    WHERE e.report_id = ANY (p_reports)
    ORDER BY e.report_id, e.id
$$;

-- FixMyStreet's servicerequestupdates: the events after creation in a period (90 days at
-- most, as for requests), in order, of public reports.
CREATE OR REPLACE FUNCTION dmr_open311_updates(p_start timestamptz, p_end timestamptz,
                                               p_limit integer, p_offset integer)
RETURNS TABLE (update_id bigint, report_id bigint, status text, external_status text,
               updated_at text, description text, done_photo text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    period record := dmr_open311_period(p_start, p_end);
BEGIN
    RETURN QUERY
        SELECT e.id, e.report_id, st.open311, e.to_status, dmr_w3c(e.at),
               dmr_open311_event_text(e.message, st.dmr_label,
                                      coalesce(rr.label, e.reason)),
               (SELECT ph.sha256 FROM report_photo ph
                WHERE ph.report_id = e.report_id AND ph.view = 'done')
        FROM report_event e
        JOIN report_status st ON st.status = e.to_status
        JOIN report r ON r.id = e.report_id
        JOIN category c ON c.id = r.category_id
        LEFT JOIN reject_reason rr ON rr.code = e.reason
        WHERE e.at BETWEEN period.first_at AND period.last_at
          AND e.from_status IS NOT NULL
          AND NOT c.agent_only
        ORDER BY e.at, e.id
        LIMIT p_limit OFFSET p_offset;
END
$$;
