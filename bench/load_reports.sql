-- Tops the report table up to :target rows by SQL, fast: each new report sits at one of the
-- real bench_point positions moved by a random jitter of at most :jitter_m metres (east and
-- north), with that point's category and the service, sector and arrondissement that
-- routing gives for it, a creation date in the last two years, channel 'B' and a unique
-- number 'B2026A' || 7 digits. Then VACUUM ANALYZE.
-- Each report has a place in the lifecycle, as in a city's backlog: a report of age A days
-- is still open with probability 0.06 + 0.9 exp(-A / 30) (about 10 % of them all, most of
-- the recent ones); an open report of less than 7 days is new (50 %), acknowledged (30 %),
-- scheduled (10 %), transferred or on_hold (5 % each), an older one new (10 %),
-- acknowledged (30 %), scheduled, transferred or on_hold (20 % each); a closed one is
-- resolved (80 %) or rejected (20 %), and past one year half of them are archived.
-- Transferred reports stay in their service's queue (no contractor is chosen for them).
-- Priority 1 for 3 %, 2 for 12 %, 3 for the rest. expected_at is created_at plus the
-- category's delay (dmr_category_sla), as the report_deadline trigger would set it;
-- acknowledged_at, scheduled_for, resolved_at and reject_reason are set for the statuses
-- that have them. The report_created trigger writes each report's creation event.
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

SELECT greatest(:target - count(*), 0) AS missing, (SELECT count(*) FROM bench_route) AS npoints
FROM report \gset

SELECT setseed(0.1871) \g /dev/null
INSERT INTO report (number, category_id, service_id, sector_id, arrondissement, status,
                    priority, description, point, channel, created_at, routing_rule,
                    routing_distance_m, expected_at, acknowledged_at, scheduled_for,
                    resolved_at, reject_reason)
SELECT 'B2026A' || lpad(r.g::text, 7, '0'), p.cat, p.service_id, p.sector_id, p.arr, r.status,
       CASE WHEN r.prio < 0.03 THEN 1 WHEN r.prio < 0.15 THEN 2 ELSE 3 END, 'bench-sql',
       ST_SetSRID(ST_MakePoint(
           p.lon + (2 * random() - 1) * :jitter_m / (111320.0 * cos(radians(p.lat))),
           p.lat + (2 * random() - 1) * :jitter_m / 111320.0), 4326),
       'B', r.created_at, p.rule, p.distance_m, r.created_at + p.sla,
       CASE WHEN r.status <> 'new' THEN r.created_at + r.ack_days * interval '1 day' END,
       CASE WHEN r.status = 'scheduled' THEN (now() + r.later * interval '14 days')::date END,
       CASE WHEN r.status IN ('resolved', 'archived')
            THEN r.created_at + r.closed_days * interval '1 day' END,
       CASE WHEN r.status = 'rejected'
            THEN (ARRAY['not_found', 'private_property', 'other_body', 'already_done',
                        'unusable'])[1 + floor(r.later * 5)::int] END
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
          FROM generate_series(1, :missing) g) u
) r
JOIN bench_route p ON p.i = 1 + r.g % :npoints;

VACUUM ANALYZE report;
