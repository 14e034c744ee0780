-- Addresses (tables in sql/migrations/0012_addresses.sql): the normal forms of street names,
-- reverse geocoding and address search.

-- Typed text or a street name as words: lower case, no accents, every run of other characters
-- than letters and digits one space. unaccent is called with its dictionary named, which makes
-- the result depend on its argument alone: hence IMMUTABLE.
CREATE OR REPLACE FUNCTION dmr_address_words(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, p)),
                                '[^a-z0-9]+', ' ', 'g'))
$$;

-- The normal form of a street name, on both sides of every comparison: its words with the
-- usual abbreviations spelt out, so that "bd st michel" and "Boulevard Saint-Michel" compare
-- equal (and "1er" read as "Ier", as in "François Ier").
CREATE OR REPLACE FUNCTION dmr_address_norm(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           regexp_replace(regexp_replace(regexp_replace(regexp_replace(dmr_address_words(p),
               '\m(bd|bld|blvd|boul)\M', 'boulevard', 'g'),
               '\m(av|ave)\M', 'avenue', 'g'),
               '\mr\M', 'rue', 'g'),
               '\mpl\M', 'place', 'g'),
               '\m(fg|fbg|faub)\M', 'faubourg', 'g'),
               '\mst\M', 'saint', 'g'),
               '\mste\M', 'sainte', 'g'),
               '\m(q|qu)\M', 'quai', 'g'),
               '\mimp\M', 'impasse', 'g'),
               '\msq\M', 'square', 'g'),
               '\m(pas|pass)\M', 'passage', 'g'),
               '\mall\M', 'allee', 'g'),
               '\m(ch|chem)\M', 'chemin', 'g'),
               '\m1er\M', 'ier', 'g')
$$;

-- The kinds of way a normal form may start with: the first words of the BAN's Paris names.
CREATE OR REPLACE FUNCTION dmr_address_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '{rue,place,avenue,voie,passage,villa,impasse,square,boulevard,cite,allee,route,quai,'
           'cour,cours,port,pont,galerie,esplanade,carrefour,chemin,hameau,parvis,porte,ruelle,'
           'sentier,sente,peristyle,rond,terrasse,promenade,passerelle,souterrain}'::text[]
$$;

-- The kind of way a normal form starts with (rue, avenue...), or NULL.
CREATE OR REPLACE FUNCTION dmr_address_kind(p_norm text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN split_part(p_norm, ' ', 1) = ANY (dmr_address_kinds())
                THEN split_part(p_norm, ' ', 1) END
$$;

-- A normal form without its kind and without the articles followed by a word: what tells a
-- street from the others ("rue de la lune": "lune"). A last word is kept even if it reads as
-- an article: in typed text it may be the beginning of a name ("quai d" for "quai d'Orsay").
CREATE OR REPLACE FUNCTION dmr_address_key(p_norm text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(
               CASE WHEN dmr_address_kind(p_norm) IS NULL THEN p_norm
                    ELSE substr(p_norm, length(dmr_address_kind(p_norm)) + 2) END,
               '\m(de|du|des|d|l|la|le|les|au|aux|a|en) ', '', 'g'))
$$;

-- The BAN's repetition index as people write it: b, t, q are bis, ter, quater; other letters
-- (Paris uses many) stay as published, in capitals. Typed text goes through it too ("12b").
CREATE OR REPLACE FUNCTION dmr_address_suffix(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE lower(p)
        WHEN '' THEN NULL
        WHEN 'b' THEN 'bis' WHEN 'bis' THEN 'bis'
        WHEN 't' THEN 'ter' WHEN 'ter' THEN 'ter'
        WHEN 'q' THEN 'quater' WHEN 'quater' THEN 'quater'
        ELSE upper(p) END
$$;

-- "12 bis Rue de Rivoli, 75004 Paris".
CREATE OR REPLACE FUNCTION dmr_address_label(p_number integer, p_suffix text, p_street text,
                                             p_postcode text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT concat_ws(' ', p_number::text, p_suffix, p_street) || ', ' || p_postcode || ' Paris'
$$;

-- The nearest address point within 150 m on the ground, all NULL when none is. The scan follows
-- the planar GiST index on point in order of distance in degrees (KNN) and measures each point
-- it meets on the sphere. Near p, a degree in the plane is at least k metres on the ground, so
-- once k times the degree distance passes the best distance found (or 150 m), no point further
-- in the scan can be nearer. The scan reads a batch of points, and starts again with a batch
-- four times larger in the rare case where the batch runs out first.
CREATE OR REPLACE FUNCTION dmr_address_near(p geometry, OUT address_id bigint, OUT label text,
                                            OUT distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    k double precision := 111194.9 * cos(radians(least(abs(ST_Y(p)) + 0.01, 89.0)));
    batch integer := 32;
    fetched integer;
    passed boolean;
    rec record;
    d double precision;
BEGIN
    LOOP
        address_id := NULL;
        label := NULL;
        distance_m := NULL;
        fetched := 0;
        passed := false;
        -- The distance on the sphere is measured here, for the points the scan reaches: in
        -- the query, its cost (PostGIS declares it expensive) would weigh on the plan.
        FOR rec IN
            SELECT a.id, a.label, a.point, a.point <-> p AS deg
            FROM address a
            ORDER BY a.point <-> p
            LIMIT batch
        LOOP
            fetched := fetched + 1;
            passed := k * rec.deg > coalesce(distance_m, 150);
            EXIT WHEN passed;
            d := ST_Distance(rec.point::geography, p::geography, false);
            -- Two points at one distance (a number and its bis share a parcel): the lowest id.
            IF d <= 150 AND (distance_m IS NULL OR (d, rec.id) < (distance_m, address_id)) THEN
                address_id := rec.id;
                label := rec.label;
                distance_m := d;
            END IF;
        END LOOP;
        EXIT WHEN passed OR fetched < batch;
        batch := batch * 4;
    END LOOP;
END
$$;

-- Typed text read as an address: a number with its suffix glued or apart ("12b", "12 bis"; the
-- end of a range, "12-14", is dropped), a postcode or arrondissement anywhere ("75011", "75116",
-- "11e", "11eme", "Paris 11": the INSEE code, 75111), and the words of the street left. "Paris"
-- is dropped, and so is what is still being typed last: the beginning of a postcode ("7501"),
-- or of "Paris" after a postcode ("75002 Pa"). 422 when the text holds no letter or digit.
CREATE OR REPLACE FUNCTION dmr_address_parse(p_q text, OUT number integer, OUT suffix text,
                                             OUT insee text, OUT street text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    w text[] := string_to_array(dmr_address_words(p_q), ' ');
    n integer := cardinality(w);
    i integer := 1;
    m text[];
    rest text[] := '{}';
BEGIN
    IF n = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'DM422', HINT = 'invalid_field', COLUMN = 'q',
            MESSAGE = 'q must hold a letter or a digit';
    END IF;
    m := regexp_match(w[1], '^([0-9]{1,5})(bis|ter|quater|[a-z])?$');
    IF m IS NOT NULL THEN
        number := m[1]::integer;
        suffix := m[2];
        i := 2;
        -- Apart, bis, ter, quater, or a letter when a street follows, except r and q (rue,
        -- quai).
        IF suffix IS NULL AND i <= n
           AND (w[i] IN ('bis', 'ter', 'quater') OR (i < n AND w[i] ~ '^[a-ps-z]$')) THEN
            suffix := w[i];
            i := i + 1;
        END IF;
        IF i < n AND w[i] ~ '^[0-9]{1,5}[a-z]?$' THEN
            i := i + 1;
        END IF;
        suffix := dmr_address_suffix(suffix);
    END IF;
    WHILE i <= n LOOP
        m := regexp_match(w[i], '^(?:750([0-9]{2})|751(16)|([0-9]{1,2})(?:e|er|eme|ere|em|ieme))$');
        -- "11e" ends the text, follows "Paris" or comes before "Paris" or "arrondissement":
        -- in "Rue François 1er, 75008 Paris", 1er is part of the name.
        IF m IS NOT NULL AND coalesce(m[1], m[2], m[3])::integer BETWEEN 1 AND 20
           AND (m[3] IS NULL OR i = n OR w[i - 1] = 'paris'
                OR w[i + 1] IN ('paris', 'arrondissement', 'arr', 'arrdt')) THEN
            insee := '751' || lpad(coalesce(m[1], m[2], m[3]), 2, '0');
        ELSIF w[i] = 'paris' AND i < n AND w[i + 1] ~ '^[0-9]{1,2}$'
              AND w[i + 1]::integer BETWEEN 1 AND 20 THEN
            insee := '751' || lpad(w[i + 1], 2, '0');
            i := i + 1;
        ELSIF w[i] IN ('paris', 'arrondissement', 'arr', 'arrdt') THEN
            NULL;
        ELSIF i = n AND cardinality(rest) > 0
              AND (w[i] ~ '^7(5([01][0-9]?)?)?$'
                   OR (insee IS NOT NULL AND starts_with('paris', w[i]))) THEN
            NULL;
        ELSE
            rest := rest || w[i];
        END IF;
        i := i + 1;
    END LOOP;
    street := array_to_string(rest, ' ');
END
$$;

-- Addresses for typed text, best first: one per street, the number asked for (else the nearest
-- number above it, else the last one), or the street's middle address when no number is asked
-- for. Streets are found by their key (dmr_address_key): a key of three letters or more by
-- trigram word similarity (pg_trgm's <% on the GIN index: typos and a word cut short still
-- match), a shorter one by prefix. Each street scores its similarity, and more when its kind of
-- way is the one typed, its arrondissement the one typed, and it holds the number asked for;
-- private ways named with a code (12P1 Rue ...) score less. Equal scores go nearer to p_near
-- first, when given.
CREATE OR REPLACE FUNCTION dmr_address_search(p_q text, p_limit integer,
                                              p_near_lat double precision,
                                              p_near_lon double precision)
RETURNS TABLE (address_id bigint, label text, number integer, suffix text, street text,
               postcode text, lat double precision, lon double precision)
LANGUAGE plpgsql STABLE ROWS 10
-- The street table is small, so the planner would rather compute similarities on all of it
-- than use the index: measured, the index is ten times faster. Planning the query again at
-- each call would cost more than running it: one generic plan serves every call.
SET enable_seqscan = off
SET plan_cache_mode = force_generic_plan
SET pg_trgm.word_similarity_threshold = 0.6 AS $$
DECLARE
    q record := dmr_address_parse(p_q);
    sq text := dmr_address_norm(q.street);
    kq text := dmr_address_kind(sq);
    nq text := dmr_address_key(sq);
    near geometry := ST_SetSRID(ST_MakePoint(p_near_lon, p_near_lat), 4326);
BEGIN
    -- Nothing to look for yet: a number alone, a kind of way alone, or its beginning ("boul").
    IF nq = '' OR (kq IS NULL AND position(' ' IN nq) = 0
                   AND EXISTS (SELECT FROM unnest(dmr_address_kinds()) k
                               WHERE starts_with(k, nq))) THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH found AS MATERIALIZED (
        SELECT s.id, s.middle, s.insee, s.kind, s.norm, word_similarity(nq, s.key) AS ws
        FROM address_street s
        WHERE length(nq) >= 3 AND nq <% s.key
        UNION ALL
        -- Keys hold letters, digits and spaces only: '{' comes after all of them. One or
        -- two letters begin too many names to rank them all: the first hundred will do.
        (SELECT s.id, s.middle, s.insee, s.kind, s.norm, 0.6
         FROM address_street s
         WHERE length(nq) < 3 AND s.key ~>=~ nq AND s.key ~<~ (nq || '{')
           AND (kq IS NULL OR s.kind = kq)
         ORDER BY s.key
         LIMIT 100)
    ), streets AS (
        SELECT f.id, f.middle,
               f.ws + 0.1 * similarity(sq, f.norm)
               + CASE WHEN f.kind = kq THEN 0.3 ELSE 0 END
               + CASE WHEN f.insee = q.insee THEN 0.25 ELSE 0 END
               - CASE WHEN f.norm ~ '^[0-9]' THEN 0.2 ELSE 0 END AS score
        FROM found f
        ORDER BY score DESC, f.id
        LIMIT 30
    )
    SELECT a.id, a.label, a.number, a.suffix, a.street, a.postcode, ST_Y(a.point), ST_X(a.point)
    FROM streets s
    CROSS JOIN LATERAL (
        SELECT x.* FROM address x WHERE q.number IS NULL AND x.id = s.middle
        UNION ALL
        (SELECT x.* FROM address x
         WHERE q.number IS NOT NULL AND x.street_id = s.id AND x.number >= q.number
         ORDER BY x.number, x.suffix IS NOT DISTINCT FROM q.suffix DESC, x.suffix NULLS FIRST
         LIMIT 1)
        UNION ALL
        (SELECT x.* FROM address x
         WHERE q.number IS NOT NULL AND x.street_id = s.id AND x.number < q.number
         ORDER BY x.number DESC, x.suffix NULLS FIRST
         LIMIT 1)
        LIMIT 1) a
    ORDER BY s.score
             + CASE WHEN q.number IS NULL OR a.number = q.number THEN 0.2 ELSE 0 END
             + CASE WHEN a.suffix IS NOT DISTINCT FROM q.suffix THEN 0.05 ELSE 0 END DESC,
             ST_Distance(a.point::geography, near::geography, false), a.id
    LIMIT p_limit;
END
$$;

-- GET /api/v1/addresses/reverse: the nearest address point within 150 m of a position, with
-- the distance to it rounded to 0.1 m. 422 outside_service_area outside Paris (as routing),
-- 404 no_address when no point is that near.
CREATE OR REPLACE FUNCTION dmr_address_reverse(p_lat double precision, p_lon double precision)
RETURNS TABLE (address_id bigint, label text, number integer, suffix text, street text,
               postcode text, lat double precision, lon double precision,
               distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
    nearest record;
BEGIN
    PERFORM dmr_point_in_service_area(p);
    nearest := dmr_address_near(p);
    IF nearest.address_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DM404', HINT = 'no_address',
            MESSAGE = 'no address point lies within 150 m of this position';
    END IF;
    RETURN QUERY
        SELECT a.id, a.label, a.number, a.suffix, a.street, a.postcode, ST_Y(a.point),
               ST_X(a.point), round(nearest.distance_m::numeric, 1)::double precision
        FROM address a
        WHERE a.id = nearest.address_id;
END
$$;
