-- Photos: stored once by content, filed under a view of a report, deleted once no report
-- shows them; and who may change them (docs/security.md).

-- Deletes a stored photo once no report uses it (a NULL or still used one is kept).
CREATE OR REPLACE FUNCTION dmr_forget_photo(p_sha256 text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM photo_blob b
    WHERE b.sha256 = p_sha256
      AND NOT EXISTS (SELECT 1 FROM report_photo ph WHERE ph.sha256 = p_sha256)
$$;

-- Stores a processed photo once (by content) and files it under the report's view, replacing
-- what that view held; a photo no report uses any more is deleted, so that a replaced photo
-- is gone for good. Returns the photo's SHA-256.
CREATE OR REPLACE FUNCTION dmr_attach_photo(p_report bigint, p_view text, p_jpeg bytea,
                                            p_width integer, p_height integer, p_thumb bytea,
                                            p_thumb_width integer, p_thumb_height integer)
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
CREATE OR REPLACE FUNCTION dmr_detach_photo(p_report bigint, p_view text) RETURNS boolean
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

-- Whether the bearer of p_token may change the p_view photo of a report: the reporter's
-- edit token for close and far, while the report is open (409 report_closed once it is
-- closed); for done, at any time, the token of an agent or contractor of the report's service.
-- 404 unknown report, 401 unknown, expired or revoked token, 403 for any other token (the
-- reporter's own included). The report row is locked (FOR SHARE) until the transaction that
-- writes the photo ends, so a report cannot close between the check and the write.
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
