-- The reporter's photos are frozen once the report is closed (docs/security.md).

-- As in 0002, and the reporter's photos (close, far) of a closed report no longer change:
-- 409 report_closed. The service's done photo may come at any time. The report row is
-- locked (FOR SHARE) until the transaction that writes the photo ends, so a report cannot
-- close between the check and the write.
CREATE OR REPLACE FUNCTION dmr_check_photo_right(p_report bigint, p_view text, p_token text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    service_code text;
    bearer record;
    open boolean;
BEGIN
    SELECT s.code, st.is_open INTO service_code, open
    FROM report r
    JOIN service s ON s.id = r.service_id
    JOIN report_status st ON st.status = r.status
    WHERE r.id = p_report
    FOR SHARE OF r;
    IF NOT FOUND THEN
        PERFORM dmr_no_report(p_report);
    END IF;
    IF p_view <> 'done' THEN
        PERFORM dmr_check_edit_token(p_report, p_token);
        IF NOT open THEN
            RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'report_closed',
                MESSAGE = 'the photos of a closed report no longer change';
        END IF;
        RETURN;
    END IF;
    SELECT * INTO bearer FROM dmr_token_lookup(p_token);
    IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM report_secret
                                 WHERE report_id = p_report
                                   AND edit_token_hash = dmr_token_hash(p_token)) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM401', HINT = 'unauthorized',
            MESSAGE = 'this token is unknown, expired or revoked';
    END IF;
    IF bearer.role IS NULL OR bearer.role NOT IN ('agent', 'contractor')
       OR NOT service_code = ANY (bearer.services) THEN
        RAISE EXCEPTION USING ERRCODE = 'DM403', HINT = 'forbidden',
            MESSAGE = format('the done photo is for the agents of %s', service_code);
    END IF;
END
$$;
