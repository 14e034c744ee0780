-- Addresses (tables in sql/migrations/0012_addresses.sql): the normal forms of street names.

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
-- equal.
CREATE OR REPLACE FUNCTION dmr_address_norm(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           regexp_replace(regexp_replace(regexp_replace(dmr_address_words(p),
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
               '\m(ch|chem)\M', 'chemin', 'g')
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
