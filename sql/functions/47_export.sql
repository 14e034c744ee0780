-- The CSV export of the reports (GET /api/v1/reports.csv, docs/api.md "Export"), for
-- supervisors and admins: the reports the filters of the city's views keep, with the public
-- fields and the staff's (the address typed, the client, the last transition). Never the
-- reporter's or followers' personal data: nothing here reads reporter or follower.

-- The export's query, before its filters' clause and its order: the rows of dmr_export_open,
-- which bench/run also runs in COPY beside dmrd.
CREATE OR REPLACE FUNCTION dmr_export_query() RETURNS text
LANGUAGE sql IMMUTABLE AS $q$
SELECT $$SELECT r.id, r.number, r.status, c.parent_id, p.label, r.category_id, c.label,
            s.code, s.name, se.code, se.name, r.arrondissement, q.code, q.name, r.park,
            nullif(r.address, ''), r.address_distance_m, ST_Y(r.point), ST_X(r.point),
            r.priority, r.description, r.channel, dmr_utc_text(r.created_at),
            dmr_utc_text(r.expected_at), (st.is_open AND r.expected_at < now())::text,
            dmr_utc_text(r.acknowledged_at), r.scheduled_for, dmr_utc_text(r.resolved_at),
            dmr_utc_text(r.closed_at), r.followers,
            (SELECT d.number FROM report d WHERE d.id = r.duplicate_of), rr.code,
            coalesce(rr.label, r.reject_reason), r.routing_rule, r.routing_distance_m,
            r.version, r.address_given, t.name, e.to_status, dmr_utc_text(e.at)
     FROM report r
     JOIN report_status st ON st.status = r.status
     JOIN category c ON c.id = r.category_id
     JOIN category p ON p.id = c.parent_id
     JOIN service s ON s.id = r.service_id
     LEFT JOIN sector se ON se.id = r.sector_id
     LEFT JOIN area q ON q.id = r.quartier_id
     LEFT JOIN reject_reason rr ON rr.code = r.reject_reason
     LEFT JOIN api_token t ON t.id = r.client_id
     LEFT JOIN LATERAL (SELECT e.to_status, e.at FROM report_event e
                        WHERE e.report_id = r.id ORDER BY e.id DESC LIMIT 1) e ON true
     WHERE true$$
$q$;

-- Opens, in the caller's transaction, the cursor dmr_export over the export's rows in id
-- order, which the caller FETCHes in batches (a server-side cursor: constant memory however
-- many rows). 401 without a live token, 403 for a role other than supervisor and admin, 400
-- for a bad filter.
CREATE OR REPLACE FUNCTION dmr_export_open(p_token text, p_statuses text, p_service text,
    p_sector text, p_category integer, p_arrondissement integer, p_since text,
    p_until text, p_overdue boolean, p_priority integer) RETURNS refcursor
-- The cursor is planned here: without JIT, whose compiling would hold back the first rows.
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    f record;
    cur refcursor := 'dmr_export';
BEGIN
    PERFORM dmr_require_role(p_token, ARRAY['supervisor', 'admin']);
    f := dmr_report_filter(p_token, p_statuses, p_service, p_sector, p_category,
                           p_arrondissement, p_since, p_until, p_overdue, p_priority);
    OPEN cur NO SCROLL FOR EXECUTE dmr_export_query() || f.clause || ' ORDER BY r.id'
    USING f.statuses, f.service_id, f.sector_id, f.categories, p_arrondissement, f.since_at,
          f.until_at, p_priority, f.open_statuses;
    RETURN cur;
END
$$;
