-- Notifications: what the lifecycle tells people, written in the transaction of the event
-- that causes it (a transactional outbox), and delivered by the workers of every dmrd node
-- (docs/notifications.md). Also the order of the live event stream.

-- The placeholders of a report's messages at an event: number, category, address (the place
-- a person reads: dmr_place_label), arrondissement, quartier, park, status
-- (Dans ma rue's words), date (scheduled_for, dd/mm/yyyy), reason, message (the service's
-- public answer), done_photo (its SHA-256, for the link). Links are made by dmrd, which knows
-- its public address.
CREATE OR REPLACE FUNCTION dmr_message_vars(e report_event) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'report_id', r.id,
        'number', r.number,
        'category', c.label,
        'address', dmr_place_label(r.address, r.park, r.quartier_id, r.arrondissement),
        'arrondissement', r.arrondissement,
        'quartier', (SELECT q.name FROM area q WHERE q.id = r.quartier_id),
        'park', r.park,
        'status', st.dmr_label,
        'date', to_char(e.scheduled_for, 'DD/MM/YYYY'),
        'reason', coalesce(rr.label, e.reason),
        'message', e.message,
        'done_photo', (SELECT ph.sha256 FROM report_photo ph
                       WHERE ph.report_id = r.id AND ph.view = 'done'))
    FROM report r
    JOIN category c ON c.id = r.category_id
    JOIN report_status st ON st.status = e.to_status
    LEFT JOIN reject_reason rr ON rr.code = e.reason
    WHERE r.id = e.report_id
$$;

-- Who hears of an event:
--   the reporter (e-mail, phone): acknowledged, scheduled, resolved and rejected, unless the
--   reporter made the move (the receipt at creation is queued by dmr_reporter_follows);
--   the other followers whose follow counts: resolved and rejected;
--   the service the report went to (creation, transfer, send-back): by e-mail and/or webhook.
-- Each e-mail to a follower carries its unsubscribe link, and is held while its address is
-- not confirmed.
CREATE OR REPLACE FUNCTION dmr_enqueue_notifications() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    reporter_kind text;
    follower_kind text;
    service_kind text;
BEGIN
    IF NEW.from_status IS NULL THEN
        service_kind := 'service_new';
    ELSE
        IF NEW.to_status IN ('acknowledged', 'scheduled', 'resolved', 'rejected')
           AND NEW.actor_role <> 'reporter' THEN
            reporter_kind := NEW.to_status;
        END IF;
        IF NEW.to_status IN ('resolved', 'rejected') THEN
            follower_kind := 'follower_' || NEW.to_status;
        END IF;
        IF NEW.to_service IS NOT NULL THEN
            service_kind := 'service_transferred';
        END IF;
    END IF;

    IF reporter_kind IS NOT NULL OR follower_kind IS NOT NULL THEN
        INSERT INTO outbox (report_id, event_id, kind, channel, recipient, vars, state)
        SELECT NEW.report_id, NEW.id, k.kind, m.channel, m.recipient,
               dmr_message_vars(NEW) || dmr_follower_vars(m.channel, f.id),
               dmr_follower_message_state(m.channel, m.recipient)
        FROM follower f
        CROSS JOIN LATERAL (VALUES (CASE WHEN f.reporter THEN reporter_kind
                                         ELSE follower_kind END)) AS k (kind)
        CROSS JOIN LATERAL (VALUES ('email', f.email), ('push', f.device_id))
            AS m (channel, recipient)
        WHERE f.report_id = NEW.report_id AND f.confirmed_at IS NOT NULL
          AND k.kind IS NOT NULL AND m.recipient IS NOT NULL;
    END IF;

    IF service_kind IS NOT NULL
       AND EXISTS (SELECT 1 FROM service s WHERE s.id = NEW.to_service
                   AND (s.email IS NOT NULL OR s.webhook_url IS NOT NULL)) THEN
        INSERT INTO outbox (report_id, event_id, kind, channel, recipient, service_id, vars)
        SELECT NEW.report_id, NEW.id, service_kind, m.channel, m.recipient, s.id,
               dmr_message_vars(NEW)
        FROM service s
        CROSS JOIN LATERAL (VALUES ('email', s.email), ('webhook', s.webhook_url))
            AS m (channel, recipient)
        WHERE s.id = NEW.to_service AND m.recipient IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER report_event_notify AFTER INSERT ON report_event
    FOR EACH ROW EXECUTE FUNCTION dmr_enqueue_notifications();

-- A held message keeps the hash of its address, so that a confirmation finds the messages it
-- releases by an index.
CREATE OR REPLACE FUNCTION dmr_outbox_hold() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.recipient_hash := dmr_email_hash(NEW.recipient);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER outbox_hold BEFORE INSERT ON outbox
    FOR EACH ROW WHEN (NEW.state = 'held') EXECUTE FUNCTION dmr_outbox_hold();

-- Workers sleep on LISTEN dmr_outbox; one wake-up per statement that queued messages.
CREATE OR REPLACE FUNCTION dmr_outbox_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dmr_outbox', '');
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER outbox_wake AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION dmr_outbox_wake();

-- Claims up to p_limit due messages of the given channels for p_lease_ms. SKIP LOCKED lets
-- every worker of every node claim at once without waiting for each other, and the lease
-- keeps a claimed row from any other worker until it is done or the lease runs out.
CREATE OR REPLACE FUNCTION dmr_outbox_claim(p_channels text[], p_limit integer, p_lease_ms integer)
RETURNS TABLE (id bigint, message_id uuid, report_id bigint, kind text, channel text,
               recipient text, vars jsonb, attempts integer, webhook_secret text,
               lease_id uuid)
LANGUAGE sql AS $$
    WITH due AS (
        SELECT o.id FROM outbox o
        WHERE o.state = 'pending' AND o.next_attempt_at <= now()
          AND o.channel = ANY (p_channels)
          AND (o.locked_until IS NULL OR o.locked_until < now())
        ORDER BY o.next_attempt_at, o.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox o
    SET locked_until = now() + make_interval(secs => p_lease_ms / 1000.0),
        lease_id = gen_random_uuid(),
        attempts = o.attempts + 1
    FROM due
    WHERE o.id = due.id
    RETURNING o.id, o.message_id, o.report_id, o.kind, o.channel, o.recipient, o.vars,
              o.attempts, (SELECT s.webhook_secret FROM service s WHERE s.id = o.service_id),
              o.lease_id
$$;

-- The outcome of a delivery under the claim p_lease: sent, or retried after an exponential
-- delay with jitter (p_base_ms doubled at each attempt, at most p_cap_ms, times a random
-- factor between 0.5 and 1), or dead after p_max_attempts. The outcome of a claim whose
-- lease ran out (another worker has the message now) changes nothing. A failure wakes the
-- wakers, so that they sleep until the retry rather than until the lease would have ended.
CREATE OR REPLACE FUNCTION dmr_outbox_done(p_id bigint, p_lease uuid, p_ok boolean, p_error text,
                                           p_base_ms integer, p_cap_ms integer,
                                           p_max_attempts integer)
RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('dmr_outbox', '') WHERE NOT p_ok;
    UPDATE outbox SET
        state = CASE WHEN p_ok THEN 'sent'
                     WHEN attempts >= p_max_attempts THEN 'dead'
                     ELSE 'pending' END,
        sent_at = CASE WHEN p_ok THEN now() END,
        last_error = CASE WHEN p_ok THEN last_error ELSE left(p_error, 500) END,
        locked_until = NULL,
        lease_id = NULL,
        next_attempt_at = CASE WHEN p_ok THEN next_attempt_at ELSE
            now() + make_interval(secs => least(p_cap_ms::float8,
                                                p_base_ms * power(2, least(attempts - 1, 30)))
                                          * (0.5 + random() / 2) / 1000.0) END
    WHERE id = p_id AND lease_id = p_lease
$$;

-- How long a worker may sleep: until the next due message (NULL when none is pending).
CREATE OR REPLACE FUNCTION dmr_outbox_next_due(p_channels text[]) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT min(greatest(o.next_attempt_at, coalesce(o.locked_until, o.next_attempt_at)))
    FROM outbox o
    WHERE o.state = 'pending' AND o.channel = ANY (p_channels)
$$;

-- For the admins: the messages of one state (NULL: all), held ones too, newest first, before
-- p_before_id. Addresses and device ids are shown only in part: enough to tell them apart, not
-- to use them.
CREATE OR REPLACE FUNCTION dmr_outbox_list(p_token text, p_state text, p_before_id bigint,
                                           p_limit integer) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    page json;
BEGIN
    PERFORM dmr_require_role(p_token, '{admin}');
    IF p_state IS NOT NULL AND p_state NOT IN ('pending', 'sent', 'dead', 'held') THEN
        RAISE EXCEPTION USING ERRCODE = 'DM400', HINT = 'invalid_parameter', COLUMN = 'state',
            MESSAGE = 'state: pending, sent, dead or held';
    END IF;
    SELECT coalesce(json_agg(json_build_object(
               'id', o.id, 'message_id', o.message_id, 'report_id', o.report_id,
               'kind', o.kind, 'channel', o.channel,
               'recipient', CASE o.channel
                   WHEN 'email' THEN regexp_replace(o.recipient, '^(.)[^@]*', '\1***')
                   WHEN 'push' THEN left(o.recipient, 4) || '***'
                   ELSE o.recipient END,
               'state', o.state, 'attempts', o.attempts,
               'next_attempt_at', dmr_utc_text(o.next_attempt_at),
               'last_error', o.last_error, 'created_at', dmr_utc_text(o.created_at),
               'sent_at', dmr_utc_text(o.sent_at)) ORDER BY o.id DESC), '[]')
    INTO page
    FROM (SELECT * FROM outbox o
          WHERE (p_state IS NULL OR o.state = p_state)
            AND (p_before_id IS NULL OR o.id < p_before_id)
          ORDER BY o.id DESC LIMIT p_limit) o;
    RETURN page::text;
END
$$;

-- For the admins: a dead (or pending) message is tried again now, from its first attempt. A
-- held message waits for its address to be confirmed, and is not retried by hand.
CREATE OR REPLACE FUNCTION dmr_outbox_retry(p_token text, p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    current_state text;
BEGIN
    PERFORM dmr_require_role(p_token, '{admin}');
    SELECT state INTO current_state FROM outbox WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'not_found',
            MESSAGE = format('no message has id %s', p_id);
    END IF;
    IF current_state = 'sent' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'already_sent',
            MESSAGE = 'this message was delivered';
    END IF;
    IF current_state = 'held' THEN
        RAISE EXCEPTION USING ERRCODE = 'DM409', HINT = 'address_unconfirmed',
            MESSAGE = 'this message waits for its address to be confirmed by its owner';
    END IF;
    UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = now(),
                      locked_until = NULL, lease_id = NULL
    WHERE id = p_id;
    PERFORM pg_notify('dmr_outbox', '');
END
$$;

-- For /metrics: messages per state and channel, and the age of the oldest pending one.
CREATE OR REPLACE FUNCTION dmr_outbox_stats()
RETURNS TABLE (state text, channel text, messages bigint, oldest_seconds double precision)
LANGUAGE sql STABLE AS $$
    SELECT s.state, c.channel, count(o.id),
           coalesce(extract(epoch FROM now() - min(o.created_at)), 0)
    FROM unnest(ARRAY['pending', 'sent', 'dead', 'held']) AS s (state)
    CROSS JOIN unnest(ARRAY['email', 'webhook', 'push']) AS c (channel)
    LEFT JOIN outbox o ON o.state = s.state AND o.channel = c.channel
    GROUP BY s.state, c.channel
    ORDER BY s.state, c.channel
$$;

-- The readers of the live stream sleep on LISTEN dmr_events.
CREATE OR REPLACE FUNCTION dmr_events_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dmr_events', '');
    RETURN NULL;
END
$$;

-- Transitions wake the stream's readers at once; creations do not: a NOTIFY serialises the
-- commits of every notifying transaction (1300 creations/s instead of 2200 in pgbench), and
-- the readers also look every quarter of a second, which brings new reports soon enough.
CREATE OR REPLACE TRIGGER report_event_wake AFTER INSERT ON report_event
    FOR EACH ROW WHEN (NEW.from_status IS NOT NULL) EXECUTE FUNCTION dmr_events_wake();

-- Final events after (p_after_xid, p_after_id), at most up to (p_until_xid, p_until_id), of
-- the given services (NULL: all), in stream order, each with the services it concerns (the
-- one the report was with after it, and the one it left) and its JSON for the stream. No
-- personal data.
CREATE OR REPLACE FUNCTION dmr_stream_events(p_after_xid xid8, p_after_id bigint, p_until_xid xid8,
                                             p_until_id bigint, p_services integer[],
                                             p_limit integer)
RETURNS TABLE (xid xid8, id bigint, services integer[], data text)
LANGUAGE sql STABLE AS $$
    SELECT e.xid, e.id, ARRAY[e.service_id, e.from_service],
           json_build_object('id', e.id, 'report_id', e.report_id, 'number', r.number,
                             'at', dmr_utc_text(e.at), 'from', e.from_status,
                             'to', e.to_status, 'actor_role', e.actor_role,
                             'service', s.code, 'from_service', fs.code,
                             'priority', r.priority, 'category_id', r.category_id,
                             'arrondissement', r.arrondissement)::text
    FROM report_event e
    JOIN report r ON r.id = e.report_id
    JOIN service s ON s.id = e.service_id
    LEFT JOIN service fs ON fs.id = e.from_service
    WHERE (e.xid, e.id) > (p_after_xid, p_after_id)
      AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
      AND (p_until_xid IS NULL OR (e.xid, e.id) <= (p_until_xid, p_until_id))
      AND (p_services IS NULL OR e.service_id = ANY (p_services)
           OR e.from_service = ANY (p_services))
    ORDER BY e.xid, e.id
    LIMIT p_limit
$$;
