-- Every report has the place of its position: the label of the nearest address point (within
-- 150 m, with its distance), its administrative quartier, and the park or wood it lies in.
-- What a client typed as the address comes from a phone's geocoder and is never trusted as the
-- address: it is kept apart, for the staff, as address_given. The reports stored before have
-- their text moved there; `dmrctl fill-places` gives them their place.

ALTER TABLE report ADD COLUMN address_given text NOT NULL DEFAULT '',
    ADD COLUMN address_distance_m real,
    ADD COLUMN quartier_id integer REFERENCES area (id),
    ADD COLUMN park text;

UPDATE report SET address_given = address, address = '' WHERE address <> '';

-- dmrctl fill-places walks the reports that have no quartier yet, in id order.
CREATE INDEX report_unplaced_idx ON report (id) WHERE quartier_id IS NULL;
