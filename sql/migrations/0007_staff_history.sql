-- The staff history (notes, who acted) is for the staff of the report: the agents and
-- contractors of its current or past services, supervisors and admins (docs/security.md).

-- Whether one of the services (codes) is or was the report's: its current service, or one it
-- was routed to, transferred from or sent back to. Each event keeps the service the report
-- was with after it, and the one it left.
CREATE FUNCTION dmr_report_of_services(p_report bigint, p_services text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM report_event e
        JOIN service s ON s.id IN (e.service_id, e.from_service, e.to_service)
        WHERE e.report_id = p_report AND s.code = ANY (p_services))
$$;

-- The history of a report as its bearer may see it. Without a token, or with an API token of
-- a service the report never was with: statuses, dates, public messages, reasons and
-- services. The reporter (edit token) also sees the notes the reporter wrote. The staff of
-- the report (agents and contractors of its current or past services, supervisors, admins)
-- also sees every note and which token acted. 404 unknown report, 401 bad token.
CREATE OR REPLACE FUNCTION dmr_report_events(p_report bigint, p_token text)
RETURNS TABLE (viewer text, id bigint, at text, from_status text, to_status text,
               message text, scheduled_for text, reason_code text, reason_label text,
               duplicate_of bigint, duplicate_of_number text, from_service text,
               to_service text, actor_role text, note text, actor_name text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    who text := 'public';
    a record;
BEGIN
    PERFORM 1 FROM report r WHERE r.id = p_report;
    IF NOT FOUND THEN
        PERFORM dmr_no_report(p_report);
    END IF;
    IF p_token IS NOT NULL THEN
        a := dmr_actor(p_token, p_report);
        who := CASE WHEN a.role = 'reporter' THEN 'reporter'
                    WHEN a.role IN ('supervisor', 'admin') THEN 'staff'
                    WHEN dmr_report_of_services(p_report, a.services) THEN 'staff'
                    ELSE 'public' END;
    END IF;
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
