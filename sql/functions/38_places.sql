-- The place of a report (docs/api.md, "The place of a report"): the label of the nearest
-- address point within 150 m (dmr_address_near), the administrative quartier, and the park or
-- wood (dmr_park_of). Taken in the transaction that stores the report, in every door.

-- The place a report keeps for the position p. Every point of the service area has a
-- quartier: like the arrondissement, the nearest one within 50 m for a point on the edge.
CREATE OR REPLACE FUNCTION dmr_place_of(p geometry, OUT address text,
                                        OUT address_distance_m real, OUT quartier_id integer,
                                        OUT park text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a record;
BEGIN
    a := dmr_address_near(p);
    address := coalesce(a.label, '');
    address_distance_m := a.distance_m;
    quartier_id := dmr_area_of('quartier', p, 50);
    park := (dmr_park_of(p)).park_name;
END
$$;

-- What a person reads for "where": the address, else the park or wood, else the quartier;
-- with the arrondissement when there is no street address.
CREATE OR REPLACE FUNCTION dmr_place_label(p_address text, p_park text, p_quartier integer,
                                           p_arrondissement smallint)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(p_address, ''),
                    coalesce(p_park, (SELECT q.name FROM area q WHERE q.id = p_quartier))
                    || ', ' || a.label,
                    a.label)
    FROM (SELECT 'Paris ' || p_arrondissement
                 || CASE WHEN p_arrondissement = 1 THEN 'er' ELSE 'e' END AS label) a
$$;

-- Gives their place to up to p_batch reports stored without one (before places existed), in
-- id order after p_after: dmrctl fill-places calls it until last_id is NULL, one transaction a
-- batch. A report whose quartier cannot be found is passed over, not retried forever.
CREATE OR REPLACE FUNCTION dmr_fill_places(p_after bigint, p_batch integer,
                                           OUT last_id bigint, OUT filled integer)
LANGUAGE plpgsql AS $$
BEGIN
    WITH batch AS (
        SELECT r.id, r.point FROM report r
        WHERE r.quartier_id IS NULL AND r.id > p_after
        ORDER BY r.id
        LIMIT p_batch
    ), placed AS (
        UPDATE report r
        SET address = pl.address, address_distance_m = pl.address_distance_m,
            quartier_id = pl.quartier_id, park = pl.park
        FROM batch b CROSS JOIN LATERAL dmr_place_of(b.point) pl
        WHERE r.id = b.id
        RETURNING r.id
    )
    SELECT max(id), count(*) INTO last_id, filled FROM placed;
END
$$;
