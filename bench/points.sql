-- bench_point: the real CSV positions that lie in the service area, numbered 1..N in a
-- fixed random order, each with a public sub-category. Filled from bench_point_raw, which
-- bench/run copies from the output of bench/points.py.
SET client_min_messages = warning;
SELECT setseed(0.2026) \g /dev/null
DROP TABLE IF EXISTS bench_point;
CREATE TABLE bench_point AS
SELECT (row_number() OVER (ORDER BY random()))::int AS i, lon, lat, cat
FROM bench_point_raw
WHERE dmr_arrondissement_of(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 50) IS NOT NULL;
ALTER TABLE bench_point ADD PRIMARY KEY (i);
ANALYZE bench_point;
