-- Routing: the arrondissement of a point, and the service and sector a report goes to. The
-- rules are numbered as in docs/architecture.md (Routing).

-- The area of a kind holding the point, or the nearest one within the tolerance (in metres on
-- the ground); its id. The containment test uses the index; the metric fallback only runs for
-- points outside every polygon, on the few polygons a degree box around the point touches.
-- PL/pgSQL keeps the plans of its queries for the session, where an SQL function that cannot
-- be inlined plans its body again at every call (0.3 ms, as much as the lookup).
CREATE OR REPLACE FUNCTION dmr_area_of(p_kind text, p geometry, tolerance_m double precision)
RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT a.id INTO found_id
    FROM area a
    WHERE a.kind = p_kind AND ST_Intersects(a.geom, p)
    ORDER BY a.id
    LIMIT 1;
    IF found_id IS NULL THEN
        SELECT a.id INTO found_id
        FROM area a
        WHERE a.kind = p_kind
          AND a.geom && ST_Expand(p, tolerance_m / (111000.0 * greatest(cos(radians(ST_Y(p))), 0.1)))
          AND ST_DWithin(a.geom::geography, p::geography, tolerance_m)
        ORDER BY ST_Distance(a.geom::geography, p::geography), a.id
        LIMIT 1;
    END IF;
    RETURN found_id;
END
$$;

-- Rule 1: the arrondissement holding the point, or the nearest one within the tolerance.
CREATE OR REPLACE FUNCTION dmr_arrondissement_of(p geometry, tolerance_m double precision)
RETURNS smallint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT a.arrondissement FROM area a
            WHERE a.id = dmr_area_of('arrondissement', p, tolerance_m));
END
$$;

-- Rule 1 as the API answers it: the arrondissement, or 422 outside_service_area.
CREATE OR REPLACE FUNCTION dmr_point_in_service_area(p geometry) RETURNS smallint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    arr smallint := dmr_arrondissement_of(p, 50);
BEGIN
    IF arr IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'outside_service_area', COLUMN = 'lat',
            MESSAGE = 'this position is outside Paris: reports are taken within Paris only';
    END IF;
    RETURN arr;
END
$$;

-- The park or wood holding the point (an area of kind park; the smallest when parks nest),
-- or NULLs. Only the parks' GiST index is read (area_park_geom_idx), and only the few
-- candidates it gives are measured.
CREATE OR REPLACE FUNCTION dmr_park_of(p geometry, OUT park_id integer, OUT park_name text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT a.id, a.name INTO park_id, park_name
    FROM area a
    WHERE a.kind = 'park' AND ST_Intersects(a.geom, p)
    ORDER BY ST_Area(a.geom), a.id
    LIMIT 1;
END
$$;

-- Routing rules 4 to 6 inside one service, shared by the routing of a new report, rule 3 and
-- the transfer of a report to another service.
CREATE OR REPLACE FUNCTION dmr_route_in_service(p_service integer, p geometry,
                                                OUT sector_id integer, OUT rule text,
                                                OUT distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT s.id INTO sector_id
    FROM sector s
    WHERE s.service_id = p_service AND ST_Intersects(s.geom, p)
    ORDER BY s.priority DESC, s.area_m2, s.id
    LIMIT 1;
    IF FOUND THEN
        rule := 'category_sector';
        RETURN;
    END IF;

    -- Nearest in metres on the ground: a service has few sectors, so each is measured.
    SELECT s.id, ST_Distance(s.geom::geography, p::geography) AS d INTO sector_id, distance_m
    FROM sector s
    WHERE s.service_id = p_service
    ORDER BY d, s.id
    LIMIT 1;
    IF FOUND THEN
        rule := 'nearest_sector';
        RETURN;
    END IF;

    sector_id := NULL;
    distance_m := NULL;
    rule := 'service_queue';
END
$$;

-- Rules 2 to 6 (4 to 6 in dmr_route_in_service). Deterministic: ties fall to the highest
-- priority, then the smallest sector, then the lowest id.
CREATE OR REPLACE FUNCTION dmr_route(p_category integer, p geometry,
                                     OUT service_id integer, OUT sector_id integer,
                                     OUT rule text, OUT distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT s.service_id, s.id INTO service_id, sector_id
    FROM sector s
    WHERE s.overrides_category AND ST_Intersects(s.geom, p)
    ORDER BY s.priority DESC, s.area_m2, s.id
    LIMIT 1;
    IF FOUND THEN
        rule := 'override_sector';
        RETURN;
    END IF;

    -- Rule 3: inside a park, a category the parks' override table sends to another service.
    -- The override is looked up first: most categories have none, and then no park is sought.
    SELECT o.service_id INTO service_id
    FROM category_area_override o
    WHERE o.category_id = p_category AND o.area_kind = 'park' AND o.service_id IS NOT NULL;
    IF FOUND AND (dmr_park_of(p)).park_id IS NOT NULL THEN
        SELECT r.sector_id, r.distance_m INTO sector_id, distance_m
        FROM dmr_route_in_service(service_id, p) r;
        rule := 'park_override';
        RETURN;
    END IF;

    SELECT c.service_id INTO service_id FROM category c WHERE c.id = p_category;
    SELECT * INTO sector_id, rule, distance_m FROM dmr_route_in_service(service_id, p);
END
$$;

-- What routing would decide, stored nowhere.
CREATE OR REPLACE FUNCTION dmr_route_preview(p_category integer, p_lon double precision,
                                             p_lat double precision, OUT service_code text,
                                             OUT service_name text, OUT sector_code text,
                                             OUT sector_name text, OUT arrondissement smallint,
                                             OUT rule text, OUT distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
    r record;
BEGIN
    PERFORM dmr_category_check(p_category, true);
    arrondissement := dmr_point_in_service_area(p);
    r := dmr_route(p_category, p);
    SELECT s.code, s.name INTO service_code, service_name FROM service s WHERE s.id = r.service_id;
    SELECT s.code, s.name INTO sector_code, sector_name FROM sector s WHERE s.id = r.sector_id;
    rule := r.rule;
    distance_m := r.distance_m;
END
$$;
