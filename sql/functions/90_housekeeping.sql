-- What expires, deleted, as (what, how many) rows: run by every dmrd node now and then, and
-- by dmrctl housekeeping. Idempotency-Keys older than their lifetime, e-mails held for an
-- address not confirmed within 7 days, follows by e-mail not confirmed within 7 days, staff
-- sessions that ended, expired, or whose token no longer lives.
CREATE OR REPLACE FUNCTION dmr_housekeeping() RETURNS TABLE (what text, deleted bigint)
LANGUAGE plpgsql AS $$
DECLARE
    keys bigint;
    held bigint;
    follows bigint;
    sessions bigint;
BEGIN
    DELETE FROM idempotency_key WHERE created_at <= now() - dmr_idempotency_lifetime();
    GET DIAGNOSTICS keys = ROW_COUNT;
    DELETE FROM outbox WHERE state = 'held' AND created_at <= now() - interval '7 days';
    GET DIAGNOSTICS held = ROW_COUNT;
    DELETE FROM follower WHERE confirmed_at IS NULL AND created_at <= now() - interval '7 days';
    GET DIAGNOSTICS follows = ROW_COUNT;
    DELETE FROM staff_session s USING api_token t
    WHERE t.id = s.token_id
      AND NOT (dmr_live(s.ended_at, s.expires_at) AND dmr_live(t.revoked_at, t.expires_at));
    GET DIAGNOSTICS sessions = ROW_COUNT;
    RETURN QUERY VALUES ('expired idempotency keys', keys),
                        ('e-mails held for unconfirmed addresses', held),
                        ('unconfirmed follows', follows),
                        ('ended staff sessions', sessions);
END
$$;
