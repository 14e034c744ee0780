-- Open311: the applications that send reports hold tokens of a new role, client (one per
-- application); each report remembers the client that sent it, staff see it in the history
-- and the public never does. An Open311 request may carry the reporter's name and phone:
-- personal data, kept with the e-mail. Reports sent through Open311 have their own channel
-- letter, O.

ALTER TABLE api_token DROP CONSTRAINT api_token_role_check,
    ADD CONSTRAINT api_token_role_check
        CHECK (role IN ('agent', 'contractor', 'supervisor', 'admin', 'client'));

ALTER TABLE report ADD COLUMN client_id integer REFERENCES api_token (id),
    DROP CONSTRAINT report_channel_check,
    ADD CONSTRAINT report_channel_check CHECK (channel IN ('S', 'G', 'A', 'B', 'O'));

ALTER TABLE reporter ADD COLUMN first_name text, ADD COLUMN last_name text,
    ADD COLUMN phone text;

-- FixMyStreet asks for the status updates of a period (servicerequestupdates).
CREATE INDEX report_event_at_idx ON report_event (at, id);
