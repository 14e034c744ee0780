-- Tops the report table up to :target rows by SQL, fast: each new report sits at one of the
-- real bench_point positions moved by a random jitter of at most :jitter_m metres (east and
-- north), with that point's category and the service, sector and arrondissement that
-- routing gives for it, a creation date in the last two years, channel 'B' and a unique
-- number 'B2026A' || 7 digits. Then VACUUM ANALYZE.
SET client_min_messages = warning;
SET maintenance_work_mem = '256MB';

DROP TABLE IF EXISTS bench_route;
CREATE TABLE bench_route AS
SELECT b.i, b.lon, b.lat, b.cat, r.service_id, r.sector_id, r.rule, r.distance_m,
       dmr_arrondissement_of(q.p, 50) AS arr
FROM bench_point b
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326) AS p) q
CROSS JOIN LATERAL dmr_route(b.cat, q.p) r;
ALTER TABLE bench_route ADD PRIMARY KEY (i);

SELECT greatest(:target - count(*), 0) AS missing, (SELECT count(*) FROM bench_route) AS npoints
FROM report \gset

SELECT setseed(0.1871) \g /dev/null
INSERT INTO report (number, category_id, service_id, sector_id, arrondissement, status,
                    priority, description, point, channel, created_at, routing_rule,
                    routing_distance_m)
SELECT 'B2026A' || lpad(g::text, 7, '0'), p.cat, p.service_id, p.sector_id, p.arr, 'new',
       3, 'bench-sql',
       ST_SetSRID(ST_MakePoint(
           p.lon + (2 * random() - 1) * :jitter_m / (111320.0 * cos(radians(p.lat))),
           p.lat + (2 * random() - 1) * :jitter_m / 111320.0), 4326),
       'B', now() - random() * interval '730 days', p.rule, p.distance_m
FROM generate_series(1, :missing) g
JOIN bench_route p ON p.i = 1 + g % :npoints;

VACUUM ANALYZE report;
