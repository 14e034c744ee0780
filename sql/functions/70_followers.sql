-- Followers and e-mail addresses (docs/security.md): no answer tells whether an address
-- follows a report; unfollowing needs proof (a signed link, or the device id); an address
-- receives nothing a citizen typed until its owner confirmed it.

-- The report a follower of p_report follows: the original when p_report is a duplicate.
CREATE OR REPLACE FUNCTION dmr_followed_report(p_report bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    dup bigint;
BEGIN
    SELECT r.duplicate_of INTO dup FROM report r WHERE r.id = p_report;
    IF NOT FOUND THEN
        PERFORM dmr_no_report(p_report);
    END IF;
    RETURN CASE WHEN dup IS NULL THEN p_report ELSE dmr_duplicate_root(p_report, dup) END;
END
$$;

-- --------------------------------------------------------------------- confirmed addresses

-- An address is kept only as this HMAC of it, lower-cased (email_contact).
CREATE OR REPLACE FUNCTION dmr_email_hash(p_email text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT dmr_hmac('email', lower(p_email)) $$;

-- Whether the owner of the address confirmed it.
CREATE OR REPLACE FUNCTION dmr_email_confirmed(p_email text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM email_contact c
                   WHERE c.email_hash = dmr_email_hash(p_email) AND c.confirmed_at IS NOT NULL)
$$;

-- How many prompts an address may be sent a day: before it is confirmed, the one fixed-text
-- confirmation message; after, one per follow asked for, up to this.
CREATE OR REPLACE FUNCTION dmr_prompts_per_day(p_confirmed boolean) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN p_confirmed THEN 20 ELSE 1 END $$;

-- Queues a prompt to p_email about p_report, unless the address had its share today: kind
-- confirm_email (the reporter's address; its link confirms the address) or confirm_follow
-- (a follow asked for; its link confirms the follow p_follower, and the address). A prompt
-- holds only fixed text, the report's number and category, and the link. True if queued.
CREATE OR REPLACE FUNCTION dmr_email_prompt(p_email text, p_report bigint, p_kind text,
                                            p_follower bigint)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    c email_contact;
    new_day boolean;
BEGIN
    INSERT INTO email_contact (email_hash) VALUES (dmr_email_hash(p_email))
    ON CONFLICT (email_hash) DO NOTHING;
    SELECT * INTO c FROM email_contact WHERE email_hash = dmr_email_hash(p_email) FOR UPDATE;
    new_day := c.prompted_at IS NULL OR c.prompted_at <= now() - interval '1 day';
    IF NOT new_day AND c.prompts >= dmr_prompts_per_day(c.confirmed_at IS NOT NULL) THEN
        RETURN false;
    END IF;
    UPDATE email_contact
    SET prompted_at = CASE WHEN new_day THEN now() ELSE prompted_at END,
        prompts = CASE WHEN new_day THEN 1 ELSE prompts + 1 END
    WHERE email_contact.id = c.id;
    INSERT INTO outbox (report_id, kind, channel, recipient, vars)
    SELECT r.id, p_kind, 'email', p_email,
           jsonb_build_object('report_id', r.id, 'number', r.number, 'category', k.label,
                              'token', CASE WHEN p_follower IS NULL
                                            THEN dmr_link_token('c', c.id, 7)
                                            ELSE dmr_link_token('f', p_follower, 7) END)
    FROM report r JOIN category k ON k.id = r.category_id
    WHERE r.id = p_report;
    RETURN true;
END
$$;

-- Marks the address confirmed and sends what was held for it.
CREATE OR REPLACE FUNCTION dmr_email_confirm_address(p_hash text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_contact (email_hash, confirmed_at) VALUES (p_hash, now())
    ON CONFLICT (email_hash)
    DO UPDATE SET confirmed_at = coalesce(email_contact.confirmed_at, now());
    UPDATE outbox SET state = 'pending', next_attempt_at = now()
    WHERE state = 'held' AND recipient_hash = p_hash;
    IF FOUND THEN
        PERFORM pg_notify('dmr_outbox', '');
    END IF;
END
$$;

-- ------------------------------------------------------------------------------- followers

-- The e-mails of the outbox to a follower carry the token of their unsubscribe link.
CREATE OR REPLACE FUNCTION dmr_follower_vars(p_channel text, p_follower bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_channel = 'email'
                THEN jsonb_build_object('unsubscribe', dmr_link_token('u', p_follower, 90))
                ELSE '{}'::jsonb END
$$;

-- The state a new message to a follower starts in: held for an address not confirmed yet.
CREATE OR REPLACE FUNCTION dmr_follower_message_state(p_channel text, p_recipient text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_channel = 'email' AND NOT dmr_email_confirmed(p_recipient) THEN 'held'
                ELSE 'pending' END
$$;

-- The reporter follows its report at once, when it left an address to follow with (a name
-- or a phone alone, from Open311, is no way to reach anyone). Its receipt is queued (held until its address is
-- confirmed, when it is not yet), then, for an unconfirmed address, the prompt to confirm it.
CREATE OR REPLACE FUNCTION dmr_reporter_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    created report_event;
    follower_id bigint;
BEGIN
    INSERT INTO follower (report_id, email, device_id, reporter, confirmed_at)
    VALUES (NEW.report_id, NEW.email, NEW.device_id, true, now())
    RETURNING id INTO follower_id;
    UPDATE report SET followers = followers + 1 WHERE id = NEW.report_id;
    SELECT * INTO created FROM report_event
    WHERE report_id = NEW.report_id AND from_status IS NULL;
    INSERT INTO outbox (report_id, event_id, kind, channel, recipient, vars, state)
    SELECT NEW.report_id, created.id, 'receipt', m.channel, m.recipient,
           dmr_message_vars(created) || dmr_follower_vars(m.channel, follower_id),
           dmr_follower_message_state(m.channel, m.recipient)
    FROM (VALUES ('email', NEW.email), ('push', NEW.device_id)) AS m (channel, recipient)
    WHERE m.recipient IS NOT NULL;
    IF NEW.email IS NOT NULL AND NOT dmr_email_confirmed(NEW.email) THEN
        PERFORM dmr_email_prompt(NEW.email, NEW.report_id, 'confirm_email', NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER reporter_follows AFTER INSERT ON reporter
    FOR EACH ROW WHEN (NEW.email IS NOT NULL OR NEW.device_id IS NOT NULL)
    EXECUTE FUNCTION dmr_reporter_follows();

-- Follows an open report, or the original of a duplicate. A device follows at once (twice
-- changes nothing). An e-mail follow waits for its owner's click in a confirm_follow prompt,
-- and changes nothing before: the answer and the count are the same whether the address
-- follows already, waits, or is new, so neither tells anything about an address. 409 when
-- the report is closed.
CREATE OR REPLACE FUNCTION dmr_follow(p_report bigint, p_email text, p_device text,
                                      OUT report_id bigint, OUT followers integer,
                                      OUT awaiting boolean)
LANGUAGE plpgsql AS $$
DECLARE
    open boolean;
    f follower;
BEGIN
    report_id := dmr_followed_report(p_report);
    SELECT s.is_open INTO open
    FROM report r JOIN report_status s ON s.status = r.status
    WHERE r.id = dmr_follow.report_id FOR UPDATE OF r;
    IF NOT open THEN
        RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'report_closed',
            MESSAGE = 'this report is closed: there is nothing more to follow';
    END IF;
    IF p_device IS NOT NULL THEN
        INSERT INTO follower (report_id, device_id, confirmed_at)
        VALUES (dmr_follow.report_id, p_device, now())
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            UPDATE report r SET followers = r.followers + 1 WHERE r.id = dmr_follow.report_id;
        END IF;
    END IF;
    awaiting := p_email IS NOT NULL;
    IF awaiting THEN
        INSERT INTO follower (report_id, email) VALUES (dmr_follow.report_id, p_email)
        ON CONFLICT DO NOTHING;
        SELECT * INTO f FROM follower x
        WHERE x.report_id = dmr_follow.report_id AND lower(x.email) = lower(p_email)
        FOR UPDATE;
        IF f.confirmed_at IS NULL AND (f.prompted_at IS NULL
                                       OR f.prompted_at <= now() - interval '1 day')
           AND dmr_email_prompt(p_email, dmr_follow.report_id, 'confirm_follow', f.id) THEN
            UPDATE follower SET prompted_at = now() WHERE id = f.id;
        END IF;
    END IF;
    SELECT r.followers INTO followers FROM report r WHERE r.id = dmr_follow.report_id;
END
$$;

-- A device stops following (the proof is the device id); an e-mail follower unsubscribes
-- with the link of one of its e-mails (dmr_email_unsubscribe).
CREATE OR REPLACE FUNCTION dmr_unfollow(p_report bigint, p_device text,
                                        OUT report_id bigint, OUT followers integer)
LANGUAGE plpgsql AS $$
DECLARE
    removed integer;
BEGIN
    report_id := dmr_followed_report(p_report);
    PERFORM 1 FROM report r WHERE r.id = dmr_unfollow.report_id FOR UPDATE;
    WITH gone AS (
        DELETE FROM follower f
        WHERE f.report_id = dmr_unfollow.report_id AND f.device_id = p_device
        RETURNING f.confirmed_at)
    SELECT count(*) FILTER (WHERE confirmed_at IS NOT NULL) INTO removed FROM gone;
    UPDATE report r SET followers = r.followers - removed WHERE r.id = dmr_unfollow.report_id
    RETURNING r.followers INTO followers;
END
$$;

-- Moves the followers of a duplicate to its original, keeping their ids (the links of their
-- e-mails name them). Someone following both keeps the original's row, counted if either
-- counted.
CREATE OR REPLACE FUNCTION dmr_move_followers(p_from bigint, p_to bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE follower t SET confirmed_at = least(t.confirmed_at, f.confirmed_at)
    FROM follower f
    WHERE f.report_id = p_from AND t.report_id = p_to
      AND (lower(t.email) = lower(f.email) OR t.device_id = f.device_id);
    DELETE FROM follower f
    WHERE f.report_id = p_from
      AND EXISTS (SELECT 1 FROM follower t
                  WHERE t.report_id = p_to
                    AND (lower(t.email) = lower(f.email) OR t.device_id = f.device_id));
    UPDATE follower SET report_id = p_to, reporter = false WHERE report_id = p_from;
    UPDATE report SET followers = (SELECT count(*) FROM follower
                                   WHERE report_id = p_to AND confirmed_at IS NOT NULL)
    WHERE id = p_to;
    UPDATE report SET followers = 0 WHERE id = p_from;
$$;

-- What following a link of a prompt confirms: the address (c) or the follow and its address
-- (f). A second click changes nothing. Returns the report followed (NULL for an address).
CREATE OR REPLACE FUNCTION dmr_email_confirm(p_token text, OUT report_id bigint, OUT number text)
LANGUAGE plpgsql AS $$
DECLARE
    link record := dmr_link_open(p_token, 'cf');
    f follower;
BEGIN
    IF link.kind = 'c' THEN
        PERFORM dmr_email_confirm_address(c.email_hash) FROM email_contact c
        WHERE c.id = link.id;
        RETURN;
    END IF;
    SELECT x.report_id INTO report_id FROM follower x WHERE x.id = link.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM410', HINT = 'link_expired',
            MESSAGE = 'this follow was removed: follow the report again';
    END IF;
    SELECT r.number INTO number FROM report r WHERE r.id = dmr_email_confirm.report_id
    FOR UPDATE;
    SELECT * INTO f FROM follower x WHERE x.id = link.id FOR UPDATE;
    IF f.confirmed_at IS NULL THEN
        UPDATE follower SET confirmed_at = now() WHERE id = f.id;
        UPDATE report r SET followers = r.followers + 1 WHERE r.id = f.report_id;
    END IF;
    PERFORM dmr_email_confirm_address(dmr_email_hash(f.email));
END
$$;

-- Unsubscribes the follower of the link (the reporter included): it hears nothing more of
-- the report. A second click changes nothing. Returns the report, NULL once gone.
CREATE OR REPLACE FUNCTION dmr_email_unsubscribe(p_token text, OUT report_id bigint,
                                                 OUT number text)
LANGUAGE plpgsql AS $$
DECLARE
    link record := dmr_link_open(p_token, 'u');
    was_counted boolean;
BEGIN
    SELECT x.report_id INTO report_id FROM follower x WHERE x.id = link.id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT r.number INTO number FROM report r WHERE r.id = dmr_email_unsubscribe.report_id
    FOR UPDATE;
    DELETE FROM follower x WHERE x.id = link.id
    RETURNING x.confirmed_at IS NOT NULL INTO was_counted;
    IF was_counted THEN
        UPDATE report r SET followers = r.followers - 1
        WHERE r.id = dmr_email_unsubscribe.report_id;
    END IF;
END
$$;
