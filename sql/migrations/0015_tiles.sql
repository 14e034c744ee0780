-- The map's vector tiles (docs/architecture.md, "Vector tiles").
--
-- Each report keeps its position in Web Mercator as integers: the world is 2^31 units wide
-- and high, x growing east and y south as the tiles' numbers do. A tile of zoom z is then a
-- square of 2^(31 - z) units and a cluster cell an integer shift: no projection per row.
-- One unit is under 2 cm at the equator.
ALTER TABLE report
    ADD COLUMN web_x integer NOT NULL GENERATED ALWAYS AS (
        least(floor((ST_X(point) + 180) / 360 * 2147483648), 2147483647)::integer) STORED,
    ADD COLUMN web_y integer NOT NULL GENERATED ALWAYS AS (
        least(greatest(floor((1 - ln(tan(radians(ST_Y(point))) + 1 / cos(radians(ST_Y(point))))
                                  / pi()) / 2 * 2147483648), 0), 2147483647)::integer) STORED;

-- The open reports: every column a filter or a cluster reads, and the id, so that the
-- reports of a tile are an index-only scan of the open reports in its square, whatever the
-- number of closed ones.
CREATE INDEX report_open_web_idx ON report (web_x, web_y)
    INCLUDE (id, category_id, status, expected_at, closed_at, service_id, sector_id,
             arrondissement, priority, created_at)
    WHERE status IN ('new', 'acknowledged', 'scheduled', 'transferred', 'on_hold');

-- The reports closed lately, the rest of the default view, by the date they closed.
CREATE INDEX report_closed_at_idx ON report (closed_at)
    INCLUDE (id, web_x, web_y, category_id, status, expected_at);

-- What a cached tile was made from: bumped by every statement that writes reports, or the
-- reference data (areas, sectors, services) (sql/functions/44_tiles.sql).
CREATE SEQUENCE tile_report_version;
CREATE SEQUENCE tile_reference_version;
