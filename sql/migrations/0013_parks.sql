-- Parks and woods: the City's green spaces become areas of kind park (dmrctl load-parks), the
-- parks service's workshops become its sectors, and inside a park some categories go to
-- another service than their own (category_area_override, routing rule park_override).

-- A park keeps the City's type of green space (type_ev: Promenades ouvertes, Bois,
-- Cimetières...) and the division and workshop of the parks service that look after it (the
-- two woods have a division and no workshop). Other kinds have none of these.
ALTER TABLE area DROP CONSTRAINT area_kind_check,
    ADD CONSTRAINT area_kind_check
        CHECK (kind IN ('arrondissement', 'quartier', 'conseil_quartier', 'park')),
    ADD COLUMN park_type text,
    ADD COLUMN park_division integer,
    ADD COLUMN park_workshop integer,
    ADD CONSTRAINT area_park_columns CHECK (CASE WHEN kind = 'park' THEN park_type IS NOT NULL
        ELSE num_nulls(park_type, park_division, park_workshop) = 3 END);
-- dmr_park_of: the parks holding a point, by this index alone.
CREATE INDEX area_park_geom_idx ON area USING gist (geom) WHERE kind = 'park';

-- Inside an area of that kind, reports of that category go to that service rather than to
-- the category's own. Rows of source 'reference' come from geo/category_area_overrides.csv
-- and follow it at every load; rows of source 'admin' were set through the API and no load
-- changes them. An admin's row without service says: no override, the category keeps its
-- service there.
CREATE TABLE category_area_override (
    category_id integer NOT NULL REFERENCES category (id),
    area_kind   text NOT NULL CHECK (area_kind IN ('park')),
    service_id  integer REFERENCES service (id),
    source      text NOT NULL CHECK (source IN ('reference', 'admin')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (category_id, area_kind),
    CHECK (service_id IS NOT NULL OR source = 'admin')
);

ALTER TABLE report DROP CONSTRAINT report_routing_rule_check,
    ADD CONSTRAINT report_routing_rule_check
        CHECK (routing_rule IN ('override_sector', 'park_override', 'category_sector',
                                'nearest_sector', 'service_queue'));
