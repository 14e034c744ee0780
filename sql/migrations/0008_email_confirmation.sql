-- Followers and e-mail addresses (docs/security.md): no answer tells whether an address
-- follows a report; unfollowing needs proof (a signed link, or the device id); an address
-- receives nothing a citizen typed until its owner confirmed it.

-- --------------------------------------------------------------------- confirmed addresses

-- Addresses whose owner followed a link of ours, kept only as an HMAC of the lower-cased
-- address, and the prompts (confirmation messages) each was sent in the current day.
CREATE TABLE email_contact (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_hash   text NOT NULL UNIQUE,
    confirmed_at timestamptz,
    prompted_at  timestamptz, -- start of the day whose prompts are counted
    prompts      integer NOT NULL DEFAULT 0
);

-- An e-mail to an address not confirmed yet waits, held, until its owner confirms it (then it
-- goes) or for 7 days (then the housekeeping deletes it). A held message keeps the hash of its
-- address, so that a confirmation finds the messages it releases by an index.
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'sent', 'dead', 'held')),
    ADD COLUMN recipient_hash text;
CREATE INDEX outbox_held_idx ON outbox (recipient_hash) WHERE state = 'held';

-- ------------------------------------------------------------------------------- followers

-- A follow by e-mail counts once its owner confirmed it (the link of a confirm_follow
-- prompt); the reporter and devices count at once. Pending follows receive nothing, and the
-- housekeeping deletes them after 7 days. prompted_at: the follow's last prompt.
ALTER TABLE follower
    ADD COLUMN confirmed_at timestamptz,
    ADD COLUMN prompted_at timestamptz;
UPDATE follower SET confirmed_at = created_at;
CREATE INDEX follower_pending_idx ON follower (created_at) WHERE confirmed_at IS NULL;
