-- The work side: statuses and the transitions each role may make, the history of every
-- report, deadlines, service queues, followers and duplicates.

-- Statuses, with their Dans ma rue and Open311 names. A status is open while a service still
-- has something to do.
CREATE TABLE report_status (
    status    text PRIMARY KEY,
    position  smallint NOT NULL UNIQUE,
    dmr_label text NOT NULL,
    open311   text NOT NULL CHECK (open311 IN ('open', 'closed')),
    is_open   boolean NOT NULL
);
INSERT INTO report_status VALUES
    ('new',          1, 'Nouveau',              'open',   true),
    ('acknowledged', 2, 'A traiter',            'open',   true),
    ('scheduled',    3, 'Service programmé',    'open',   true),
    ('transferred',  4, 'Transféré à un tiers', 'open',   true),
    ('on_hold',      5, 'Sous surveillance',    'open',   true),
    ('resolved',     6, 'Service fait',         'closed', false),
    ('rejected',     7, 'Rejeté',               'closed', false),
    ('archived',     8, 'Archivé',              'closed', false);

-- The one table of the lifecycle: which role may move a report from which status to which.
-- agent and contractor act on the reports of their services only; reporter is the holder of
-- the report's edit token. For a contractor, moving a report to acknowledged sends it back
-- to the service that transferred it.
CREATE TABLE lifecycle_transition (
    from_status text NOT NULL REFERENCES report_status,
    to_status   text NOT NULL REFERENCES report_status,
    role        text NOT NULL
                CHECK (role IN ('agent', 'contractor', 'supervisor', 'admin', 'reporter')),
    PRIMARY KEY (from_status, to_status, role)
);
INSERT INTO lifecycle_transition (from_status, to_status, role)
SELECT f, t, 'agent'
FROM unnest(ARRAY['new', 'acknowledged', 'scheduled', 'transferred', 'on_hold']) f,
     unnest(ARRAY['scheduled', 'transferred', 'on_hold', 'resolved', 'rejected']) t
WHERE f <> t OR f IN ('scheduled', 'transferred')
UNION ALL
SELECT f, 'acknowledged', 'agent'
FROM unnest(ARRAY['new', 'transferred', 'on_hold', 'resolved', 'rejected']) f
UNION ALL
SELECT f, t, 'contractor'
FROM unnest(ARRAY['new', 'transferred', 'scheduled']) f,
     unnest(ARRAY['scheduled', 'resolved', 'rejected', 'acknowledged']) t
UNION ALL
SELECT f, 'transferred', 'supervisor'
FROM unnest(ARRAY['new', 'acknowledged', 'scheduled', 'transferred', 'on_hold']) f
UNION ALL
SELECT f, 'archived', 'admin' FROM unnest(ARRAY['resolved', 'rejected']) f
UNION ALL
SELECT f, 'resolved', 'reporter'
FROM unnest(ARRAY['new', 'acknowledged', 'scheduled', 'transferred', 'on_hold']) f;

-- Rejection reasons the admins keep; a rejection names one of them or gives free text.
CREATE TABLE reject_reason (
    code   text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    label  text NOT NULL CHECK (label <> ''),
    active boolean NOT NULL DEFAULT true
);
INSERT INTO reject_reason (code, label) VALUES
    ('duplicate', 'Doublon d''un signalement existant'),
    ('not_found', 'Anomalie non constatée sur place'),
    ('private_property', 'Domaine privé : hors compétence de la Ville'),
    ('other_body', 'Relève d''un autre organisme (RATP, bailleur, concessionnaire)'),
    ('already_done', 'Déjà traité'),
    ('unusable', 'Signalement imprécis ou photo inexploitable');

-- Deadlines and duplicate radii, per category; a sub-category without its own takes its top
-- category's, and one without either the defaults of dmr_category_sla and
-- dmr_category_radius.
ALTER TABLE category
    ADD COLUMN sla_hours integer CHECK (sla_hours BETWEEN 1 AND 8760),
    ADD COLUMN duplicate_radius_m double precision
               CHECK (duplicate_radius_m > 0 AND duplicate_radius_m <= 1000);

ALTER TABLE report
    ADD COLUMN version          integer NOT NULL DEFAULT 1,
    ADD COLUMN expected_at      timestamptz,
    ADD COLUMN acknowledged_at  timestamptz,
    ADD COLUMN scheduled_for    date,
    ADD COLUMN resolved_at      timestamptz,
    ADD COLUMN duplicate_of     bigint REFERENCES report (id),
    ADD COLUMN reject_reason    text,
    ADD COLUMN transferred_from integer REFERENCES service (id),
    ADD COLUMN followers        integer NOT NULL DEFAULT 0;
-- The reports already stored get the default deadline: no category has its own yet.
UPDATE report SET expected_at = created_at + interval '168 hours';
ALTER TABLE report
    ALTER COLUMN expected_at SET NOT NULL,
    ADD CONSTRAINT report_status_fkey FOREIGN KEY (status) REFERENCES report_status;

-- Queues read these in order of urgency, one scan per status and priority (dmr_queue).
DROP INDEX report_service_idx;
CREATE INDEX report_service_queue_idx
    ON report (service_id, status, priority, expected_at, id);
CREATE INDEX report_sector_queue_idx
    ON report (sector_id, status, priority, expected_at, id);
CREATE INDEX report_duplicate_of_idx ON report (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- The append-only history. message is public; note, the actor's role and token are for the
-- staff and the reporter (see dmr_report_events). service_id is the service the report was
-- with once the event happened; from_service and to_service mark routing and transfers.
CREATE TABLE report_event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id     bigint NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_role    text NOT NULL
                  CHECK (actor_role IN ('reporter', 'agent', 'contractor', 'supervisor', 'admin')),
    token_id      integer REFERENCES api_token (id),
    from_status   text REFERENCES report_status,
    to_status     text NOT NULL REFERENCES report_status,
    message       text,
    note          text,
    scheduled_for date,
    reason        text,
    duplicate_of  bigint REFERENCES report (id),
    service_id    integer NOT NULL REFERENCES service (id),
    from_service  integer REFERENCES service (id),
    to_service    integer REFERENCES service (id)
);
CREATE INDEX report_event_report_idx ON report_event (report_id, id);

-- The reports already stored get their creation event.
INSERT INTO report_event (report_id, at, actor_role, to_status, service_id, to_service)
SELECT id, created_at, 'reporter', 'new', service_id, service_id FROM report;

-- People who follow a report ("je suis aussi concerné"), the reporter among them. Personal
-- data: only the count reaches a public answer.
CREATE TABLE follower (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id  bigint NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    email      text,
    device_id  text,
    reporter   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR device_id IS NOT NULL)
);
CREATE UNIQUE INDEX follower_email_idx ON follower (report_id, lower(email));
CREATE UNIQUE INDEX follower_device_idx ON follower (report_id, device_id);

-- Their reporters follow them.
INSERT INTO follower (report_id, email, device_id, reporter)
SELECT report_id, email, device_id, true FROM reporter;
UPDATE report r SET followers = 1 FROM reporter p WHERE p.report_id = r.id;
