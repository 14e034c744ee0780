-- The map's vector tiles (docs/api.md, "Vector tiles"; docs/architecture.md, "Vector tiles"):
-- the reports of a tile, one point each from zoom 15 and clusters below, and the reference
-- areas. Positions are the reports' integer Web Mercator coordinates (web_x, web_y of
-- migration 0015): a world of 2^31 units, so a tile of zoom z is 2^(31 - z) units wide.
-- Tiles have an extent of 4096; below zoom 15 a tile is cut in 16 x 16 cluster cells.

-- The zoom from which a report tile shows each report rather than clusters.
CREATE OR REPLACE FUNCTION dmr_tile_points_zoom() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 15 $$;

-- The SELECT of a report tile's rows: the columns p_columns of the reports (r, with their
-- category c) that the filters' clause and p_where keep and whose position lies in the
-- square [$10, $11) x [$12, $13) (world units). The open reports and the others are two
-- branches, so that the planner reads the open ones from their partial index
-- (report_open_web_idx) and the others by the date they closed (report_closed_at_idx) or by
-- position, whichever the filters make cheaper. Both indexes hold every column a cluster
-- reads: a cluster tile of the default view reads no table page. In the default view
-- (p_default), the closed branch states what the clause implies there, closed_at since
-- dmr_view_closed_since(), so that the planner sees it as a range of that index.
CREATE OR REPLACE FUNCTION dmr_tile_live_sql(p_clause text, p_columns text, p_where text,
    p_default boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(format('SELECT %1$s FROM report r JOIN category c ON c.id = r.category_id'
                             ' WHERE r.web_x >= $10 AND r.web_x < $11'
                             ' AND r.web_y >= $12 AND r.web_y < $13 AND %2$s%3$s%4$s',
                             p_columns, branch, p_clause, p_where), ' UNION ALL ')
    FROM unnest(ARRAY['r.status = ANY ($9)',
                      'NOT r.status = ANY ($9)'
                      || CASE WHEN p_default THEN ' AND r.closed_at >= dmr_view_closed_since()'
                              ELSE '' END]) branch
$$;

-- The point of tile coordinates at world position (p_x, p_y), in a tile whose corner is at
-- (p_x0, p_y0) and that has p_scale pixels per unit.
CREATE OR REPLACE FUNCTION dmr_tile_pixel(p_x numeric, p_y numeric, p_x0 bigint, p_y0 bigint,
    p_scale numeric) RETURNS geometry
LANGUAGE sql IMMUTABLE AS $$
    SELECT ST_Point(round((p_x - p_x0) * p_scale), round((p_y - p_y0) * p_scale))
$$;

-- The layer "reports": one point per report, at its pixel ($15, $16: the tile's corner in
-- world units; $17: pixels per unit), with its public fields. The tile's reports are found
-- by id first, from the indexes alone, then read. Outside the default view, the box $14
-- (lon/lat) that holds the tile lets the spatial index find the closed reports of the tile.
CREATE OR REPLACE FUNCTION dmr_tile_points_sql(p_clause text, p_default boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('SELECT ST_AsMVT(t, ''reports'', 4096, ''geom'', ''fid'') FROM ('
                  ' SELECT r.id AS fid, dmr_tile_pixel(r.web_x, r.web_y, $15, $16, $17) AS geom,'
                  '  r.id, r.number, r.status, c.parent_id AS top_category,'
                  '  r.category_id AS category, s.code AS service, r.priority,'
                  '  r.status = ANY ($9) AND r.expected_at < now() AS overdue,'
                  '  dmr_utc_text(r.created_at) AS created_at, r.followers'
                  ' FROM (%s) k JOIN report r ON r.id = k.id'
                  ' JOIN category c ON c.id = r.category_id'
                  ' JOIN service s ON s.id = r.service_id) t',
                  dmr_tile_live_sql(p_clause, 'r.id',
                                    CASE WHEN p_default THEN '' ELSE ' AND r.point && $14' END,
                                    p_default))
$$;

-- The layer "clusters": one point per cell of 2^$18 units that holds reports, at their mean
-- position, with how many there are, how many open and overdue, and how many of each top
-- category (top_<id>).
CREATE OR REPLACE FUNCTION dmr_tile_clusters_sql(p_clause text, p_default boolean)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('SELECT ST_AsMVT(t, ''clusters'', 4096, ''geom'', ''fid'') FROM ('
                  ' SELECT k.cx::bigint * 16777216 + k.cy AS fid,'
                  '  dmr_tile_pixel(avg(k.web_x), avg(k.web_y), $15, $16, $17) AS geom,'
                  '  count(*)::integer AS count,'
                  '  count(*) FILTER (WHERE k.open)::integer AS open,'
                  '  count(*) FILTER (WHERE k.overdue)::integer AS overdue%s'
                  ' FROM (%s) k GROUP BY k.cx, k.cy) t',
                  (SELECT string_agg(format(', count(*) FILTER (WHERE k.top = %1$s)::integer'
                                            ' AS top_%1$s', c.id), '' ORDER BY c.id)
                   FROM category c WHERE c.parent_id IS NULL),
                  dmr_tile_live_sql(p_clause,
                      'r.web_x >> $18 AS cx, r.web_y >> $18 AS cy, r.web_x, r.web_y,'
                      ' r.status = ANY ($9) AS open,'
                      ' r.status = ANY ($9) AND r.expected_at < now() AS overdue,'
                      ' c.parent_id AS top', '', p_default))
$$;

-- The report tile z/x/y for the filters (dmr_report_filter's arguments first): from zoom 15
-- the layer reports, with a margin of 64 pixels around the tile so that a point on an edge
-- is drawn whole on both sides; below, the layer clusters, each report in one cell of one
-- tile. The public never sees agent-only categories (dmr_report_filter).
CREATE OR REPLACE FUNCTION dmr_tile_reports(p_token text, p_statuses text, p_service text,
    p_sector text, p_category integer, p_arrondissement integer, p_since text,
    p_until text, p_overdue boolean, p_priority integer, p_z integer, p_x integer,
    p_y integer) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
    f record := dmr_report_filter(p_token, p_statuses, p_service, p_sector, p_category,
                                  p_arrondissement, p_since, p_until, p_overdue, p_priority);
    points boolean := p_z >= dmr_tile_points_zoom();
    default_view boolean := p_statuses IS NULL AND p_since IS NULL; -- as dmr_report_filter's
    size bigint := 1::bigint << (31 - p_z);
    margin bigint := CASE WHEN points THEN size / 64 ELSE 0 END;
    x0 bigint := p_x * size;
    y0 bigint := p_y * size;
    tile bytea;
BEGIN
    EXECUTE CASE WHEN points THEN dmr_tile_points_sql(f.clause, default_view)
                 ELSE dmr_tile_clusters_sql(f.clause, default_view) END
    INTO tile
    USING f.statuses, f.service_id, f.sector_id, f.categories, p_arrondissement, f.since_at,
          f.until_at, p_priority, f.open_statuses,
          x0 - margin, x0 + size + margin, y0 - margin, y0 + size + margin,
          ST_Transform(ST_TileEnvelope(p_z, p_x, p_y,
                                       margin => CASE WHEN points THEN 1 / 64.0 ELSE 0 END),
                       4326),
          x0, y0, 4096.0 / size, 31 - p_z - 4;
    RETURN coalesce(tile, '');
END
$$;

-- Whether the caller sees every report, and the state of the reports that a cached tile
-- must have been made from (tile_report_version, bumped below). An unknown token is 401.
CREATE OR REPLACE FUNCTION dmr_tile_state(p_token text, OUT staff boolean, OUT version bigint)
LANGUAGE sql STABLE AS $$
    SELECT dmr_viewer_is_staff(p_token), (SELECT last_value FROM tile_report_version)
$$;

-- The state of the reference data (areas, sectors, services) that the area tiles show.
CREATE OR REPLACE FUNCTION dmr_tile_reference_version() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT last_value FROM tile_reference_version
$$;

-- A statement wrote what the report tiles show: the cached ones are stale. A sequence, not
-- a row, so that concurrent writers never wait for each other.
CREATE OR REPLACE FUNCTION dmr_tile_reports_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('tile_report_version');
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER report_tile_version
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF point, category_id, service_id, sector_id,
        arrondissement, status, priority, created_at, expected_at, closed_at
    ON report FOR EACH STATEMENT EXECUTE FUNCTION dmr_tile_reports_changed();

CREATE OR REPLACE FUNCTION dmr_tile_reference_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('tile_reference_version');
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER area_tile_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON area FOR EACH STATEMENT EXECUTE FUNCTION dmr_tile_reference_changed();
CREATE OR REPLACE TRIGGER sector_tile_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON sector FOR EACH STATEMENT EXECUTE FUNCTION dmr_tile_reference_changed();
CREATE OR REPLACE TRIGGER service_tile_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON service FOR EACH STATEMENT EXECUTE FUNCTION dmr_tile_reference_changed();

-- An area's shape in a tile: projected, simplified to a pixel of a 256-pixel tile (p_pixel
-- metres), clipped to the tile with a margin of 64 pixels of its 4096.
CREATE OR REPLACE FUNCTION dmr_tile_shape(p_geom geometry, p_tile geometry, p_pixel float8)
RETURNS geometry
LANGUAGE sql IMMUTABLE AS $$
    SELECT ST_AsMVTGeom(ST_Simplify(ST_Transform(p_geom, 3857), p_pixel, true), p_tile, 4096,
                        64, true)
$$;

-- The area tile z/x/y: the layers arrondissements, quartiers, parks and sectors (only those
-- of the service p_service when given; an unknown code is 400 invalid_parameter).
CREATE OR REPLACE FUNCTION dmr_tile_areas(p_service text, p_z integer, p_x integer,
    p_y integer) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
    tile geometry := ST_TileEnvelope(p_z, p_x, p_y);
    box geometry := ST_Transform(ST_TileEnvelope(p_z, p_x, p_y, margin => 1 / 64.0), 4326);
    pixel float8 := (ST_XMax(tile) - ST_XMin(tile)) / 256;
    only_service integer;
BEGIN
    IF p_service IS NOT NULL THEN
        SELECT s.id INTO only_service FROM service s WHERE s.code = p_service;
        IF NOT FOUND THEN
            PERFORM dmr_filter_error('service', format('no service has code %s', p_service));
        END IF;
    END IF;
    RETURN (SELECT coalesce(ST_AsMVT(t, 'arrondissements', 4096, 'geom'), '')
            FROM (SELECT a.code, a.name, a.arrondissement,
                         dmr_tile_shape(a.geom, tile, pixel) AS geom
                  FROM area a WHERE a.kind = 'arrondissement' AND a.geom && box) t
            WHERE t.geom IS NOT NULL)
        || (SELECT coalesce(ST_AsMVT(t, 'quartiers', 4096, 'geom'), '')
            FROM (SELECT a.code, a.name, a.arrondissement,
                         dmr_tile_shape(a.geom, tile, pixel) AS geom
                  FROM area a WHERE a.kind = 'quartier' AND a.geom && box) t
            WHERE t.geom IS NOT NULL)
        || (SELECT coalesce(ST_AsMVT(t, 'parks', 4096, 'geom'), '')
            FROM (SELECT a.code, a.name, a.park_type,
                         dmr_tile_shape(a.geom, tile, pixel) AS geom
                  FROM area a WHERE a.kind = 'park' AND a.geom && box) t
            WHERE t.geom IS NOT NULL)
        || (SELECT coalesce(ST_AsMVT(t, 'sectors', 4096, 'geom'), '')
            FROM (SELECT s.code, s.name, v.code AS service,
                         dmr_tile_shape(s.geom, tile, pixel) AS geom
                  FROM sector s JOIN service v ON v.id = s.service_id
                  WHERE s.geom && box AND (only_service IS NULL OR s.service_id = only_service)) t
            WHERE t.geom IS NOT NULL);
END
$$;
