-- Tops the report table up to :target rows by SQL, fast: each new report sits at one of the
-- real bench_point positions moved by a random jitter of at most :jitter_m metres (east and
-- north), with that point's category and the service, sector and arrondissement that
-- routing gives for it, a creation date in the last two years, channel 'B' and a unique
-- number 'B2026A' || 7 digits. Then VACUUM ANALYZE of the reports and of their events, so
-- that autovacuum does not start on them during the measurements that follow.
-- Each report has a place in the lifecycle, as in a city's backlog: a report of age A days
-- is still open with probability 0.06 + 0.9 exp(-A / 30) (one in ten in all: nearly all of
-- the last days' reports, few of the old ones); an open report of less than 7 days is new
-- (50 %), acknowledged (30 %), scheduled (10 %), transferred or on_hold (5 % each), an
-- older one new (10 %), acknowledged (30 %), scheduled, transferred or on_hold (20 % each);
-- a closed one is resolved (80 %) or rejected (20 %), and past one year half of them are
-- archived.
-- Transferred reports stay in their service's queue (no contractor is chosen for them).
-- Priority 1 for 3 %, 2 for 12 %, 3 for the rest. expected_at is created_at plus the
-- category's delay (dmr_category_sla), as the report_deadline trigger would set it;
-- acknowledged_at, scheduled_for, resolved_at, closed_at (when it left the open statuses: the
-- map's default view keeps the reports closed in the last 30 days) and reject_reason are set
-- for the statuses that have them. The report_created trigger writes each report's creation event (with the
-- status loaded). The reports that the creation steps stored through dmrd get a place in the
-- lifecycle the same way (their creation date too).
SET client_min_messages = warning;
SET maintenance_work_mem = '256MB';

DROP TABLE IF EXISTS bench_route;
CREATE TABLE bench_route AS
SELECT b.i, b.lon, b.lat, b.cat, r.service_id, r.sector_id, r.rule, r.distance_m,
       dmr_arrondissement_of(q.p, 50) AS arr, dmr_category_sla(b.cat) AS sla
FROM bench_point b
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326) AS p) q
CROSS JOIN LATERAL dmr_route(b.cat, q.p) r;
ALTER TABLE bench_route ADD PRIMARY KEY (i);

SELECT greatest(:target - count(*), 0) AS missing, count(*) FILTER (WHERE channel <> 'B') AS made,
       (SELECT count(*) FROM bench_route) AS npoints
FROM report \gset

-- One place in the lifecycle for each report to load (g <= :missing) and for each report
-- stored before through dmrd (the creation steps: channel other than 'B').
SELECT setseed(0.1871) \g /dev/null
CREATE TEMPORARY TABLE bench_life AS
SELECT g, created_at, status,
       CASE WHEN prio < 0.03 THEN 1 WHEN prio < 0.15 THEN 2 ELSE 3 END AS priority,
       CASE WHEN status <> 'new' THEN created_at + ack_days * interval '1 day' END
           AS acknowledged_at,
       CASE WHEN status = 'scheduled' THEN (now() + later * interval '14 days')::date END
           AS scheduled_for,
       CASE WHEN status IN ('resolved', 'archived')
            THEN created_at + closed_days * interval '1 day' END AS resolved_at,
       CASE WHEN status IN ('resolved', 'rejected', 'archived')
            THEN created_at + closed_days * interval '1 day' END AS closed_at,
       CASE WHEN status = 'rejected'
            THEN (ARRAY['not_found', 'private_property', 'other_body', 'already_done',
                        'unusable'])[1 + floor(later * 5)::int] END AS reject_reason
FROM (
    SELECT u.*, now() - u.days * interval '1 day' AS created_at,
           u.ack * least(u.days, 2) AS ack_days,
           u.ack * least(u.days, 2)
           + u.closed * least(u.days - u.ack * least(u.days, 2), 30) AS closed_days,
           CASE
               WHEN u.open >= 0.06 + 0.9 * exp(-u.days / 30) THEN
                   CASE WHEN u.days > 365 AND u.kind < 0.5 THEN 'archived'
                        WHEN u.kind < 0.8 THEN 'resolved'
                        ELSE 'rejected' END
               WHEN u.days < 7 THEN
                   CASE WHEN u.kind < 0.5 THEN 'new' WHEN u.kind < 0.8 THEN 'acknowledged'
                        WHEN u.kind < 0.9 THEN 'scheduled' WHEN u.kind < 0.95 THEN 'transferred'
                        ELSE 'on_hold' END
               ELSE
                   CASE WHEN u.kind < 0.1 THEN 'new' WHEN u.kind < 0.4 THEN 'acknowledged'
                        WHEN u.kind < 0.6 THEN 'scheduled' WHEN u.kind < 0.8 THEN 'transferred'
                        ELSE 'on_hold' END
           END AS status
    FROM (SELECT g, 730 * random() AS days, random() AS open, random() AS kind,
                 random() AS prio, random() AS ack, random() AS closed, random() AS later
          FROM generate_series(1, :missing + :made) g) u
) r;

INSERT INTO report (number, category_id, service_id, sector_id, arrondissement, status,
                    priority, description, point, channel, created_at, routing_rule,
                    routing_distance_m, expected_at, acknowledged_at, scheduled_for,
                    resolved_at, closed_at, reject_reason)
SELECT 'B2026A' || lpad(l.g::text, 7, '0'), p.cat, p.service_id, p.sector_id, p.arr, l.status,
       l.priority, 'bench-sql',
       ST_SetSRID(ST_MakePoint(
           p.lon + (2 * random() - 1) * :jitter_m / (111320.0 * cos(radians(p.lat))),
           p.lat + (2 * random() - 1) * :jitter_m / 111320.0), 4326),
       'B', l.created_at, p.rule, p.distance_m, l.created_at + p.sla, l.acknowledged_at,
       l.scheduled_for, l.resolved_at, l.closed_at, l.reject_reason
FROM bench_life l
JOIN bench_route p ON p.i = 1 + l.g % :npoints
WHERE l.g <= :missing;

-- The reports of the creation steps were all new and of the last minutes: they take their
-- places too, so that the queues do not depend on how many the creation steps made.
UPDATE report r
SET created_at = l.created_at, status = l.status, priority = l.priority,
    expected_at = l.created_at + dmr_category_sla(r.category_id),
    acknowledged_at = l.acknowledged_at, scheduled_for = l.scheduled_for,
    resolved_at = l.resolved_at, closed_at = l.closed_at, reject_reason = l.reject_reason
FROM (SELECT id, :missing + row_number() OVER (ORDER BY id) AS g
      FROM report WHERE channel <> 'B') m
JOIN bench_life l ON l.g = m.g
WHERE r.id = m.id;

VACUUM ANALYZE report, report_event;
