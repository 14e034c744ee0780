-- Helpers the other files use: the errors meant for the API, times as the API writes them, and
-- the hashes of secrets.
--
-- Errors raised for the API use SQLSTATE 'DM' || HTTP status, the API error code as HINT and
-- the field at fault as COLUMN, so that the server maps them without a table of its own.

-- 422 invalid_field, p_field at fault.
CREATE OR REPLACE FUNCTION dmr_field_error(p_field text, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'invalid_field', COLUMN = p_field,
        MESSAGE = p_message;
END
$$;

-- The answer for a report id that does not exist.
CREATE OR REPLACE FUNCTION dmr_no_report(p_report bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
        MESSAGE = format('no report has id %s', p_report);
END
$$;

-- A time as every answer writes it: UTC, to the second (2026-03-01T08:30:00Z).
CREATE OR REPLACE FUNCTION dmr_utc_text(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- What is stored of a token (an API token, a report's edit token): its SHA-256, in
-- hexadecimal.
CREATE OR REPLACE FUNCTION dmr_token_hash(p_token text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT encode(sha256(convert_to(p_token, 'UTF8')), 'hex')
$$;

-- HMAC-SHA256 of p_data under the server's secret (the table server_secret), for one purpose
-- (a purpose never verifies another's values), in hexadecimal.
CREATE OR REPLACE FUNCTION dmr_hmac(p_purpose text, p_data text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(hmac(convert_to(p_purpose || ':' || p_data, 'UTF8'), s.secret, 'sha256'), 'hex')
    FROM server_secret s
$$;
