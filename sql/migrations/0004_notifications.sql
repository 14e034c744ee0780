-- Notifications: what the lifecycle tells people, written in the transaction of the event
-- that causes it (a transactional outbox), and delivered by the workers of every dmrd node.
-- Also the order of the live event stream.

-- Where a service hears of its reports: its e-mail (service.email) and/or a webhook, whose
-- requests are signed with HMAC-SHA256 under the service's secret.
ALTER TABLE service
    ADD COLUMN webhook_url    text CHECK (webhook_url ~ '^https?://'),
    ADD COLUMN webhook_secret text,
    ADD CONSTRAINT service_webhook_secret CHECK ((webhook_url IS NULL) = (webhook_secret IS NULL));

-- One message to one recipient. kind names the template (templates/mail/<kind>.txt);
-- message_id is stable across retries, so that a receiver can drop a repeat. vars holds the
-- placeholders as they were at the event. A pending row is due at next_attempt_at; a worker
-- that claims it holds it until locked_until (a lease that a killed worker leaves to expire);
-- lease_id names that claim, so that an outcome recorded after its lease is ignored.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    report_id       bigint NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    event_id        bigint REFERENCES report_event (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook', 'push')),
    recipient       text NOT NULL,
    service_id      integer REFERENCES service (id),
    vars            jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    lease_id        uuid,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_state_idx ON outbox (state, id);
CREATE INDEX outbox_report_idx ON outbox (report_id);

-- The live stream reads events in the order their transactions became final: each event
-- keeps its transaction id, and an event is streamed once every transaction older than the
-- oldest one still running has ended (pg_snapshot_xmin), so no event can appear later
-- behind one already sent.
ALTER TABLE report_event ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX report_event_xid_idx ON report_event (xid, id);
