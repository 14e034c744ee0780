-- Addresses: the address points of the Base Adresse Nationale (geo/SOURCES.md), for reverse
-- geocoding (the nearest point to a position) and address search (text typed by a person).
-- `dmrctl load-addresses` fills both tables; the normal forms are computed by the functions of
-- sql/functions/35_addresses.sql when the points are loaded, so a change of those functions
-- takes effect at the next load.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A street in one postcode (a long street crosses several arrondissements: one row each).
-- The search matches the text typed against `key`, the street's own name: a few distinct
-- words, where the way's kind and the articles would make every "Rue de la ..." look alike.
CREATE TABLE address_street (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    street   text NOT NULL,   -- as published: Rue de Rivoli
    postcode text NOT NULL,
    insee    text NOT NULL,
    norm     text NOT NULL,   -- normal form of street: rue de rivoli
    kind     text,            -- the way's kind, leading norm: rue (NULL when none is known)
    key      text NOT NULL,   -- norm without its kind and articles: rivoli
    middle   bigint,          -- the address at the middle of its numbers
    UNIQUE (street, postcode)
);
-- Words of at least three letters are matched by trigrams, shorter beginnings by prefix.
CREATE INDEX address_street_key_trgm_idx ON address_street USING gin (key gin_trgm_ops);
CREATE INDEX address_street_key_prefix_idx ON address_street (key text_pattern_ops);

CREATE TABLE address (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ban_id      text NOT NULL UNIQUE,  -- the BAN's cle_interop (75101_cfq3tf_00001)
    number      integer NOT NULL CHECK (number >= 0),
    suffix      text CHECK (suffix <> ''),  -- bis, ter, quater, or the letters published
    street      text NOT NULL,
    postcode    text NOT NULL CHECK (postcode ~ '^[0-9]{5}$'),
    insee       text NOT NULL,
    point       geometry(Point, 4326) NOT NULL,
    label       text NOT NULL,          -- 12 bis Rue de Rivoli, 75004 Paris
    street_norm text NOT NULL,          -- normal form of street, as address_street.norm
    street_id   bigint NOT NULL REFERENCES address_street (id)
);
-- Reverse geocoding follows this index in distance order (see dmr_address_near).
CREATE INDEX address_point_idx ON address USING gist (point);
CREATE INDEX address_street_number_idx ON address (street_id, number);

-- Deferred: a load writes the streets before their addresses. The index serves the check
-- that a deleted address is no street's middle.
ALTER TABLE address_street ADD FOREIGN KEY (middle) REFERENCES address (id)
    DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX address_street_middle_idx ON address_street (middle);
