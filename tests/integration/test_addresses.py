"""Addresses: `dmrctl load-addresses` loads the Base Adresse Nationale's Paris export shipped
in geo/ (load-paris did it for this database), replaces the whole set in one transaction, and
refuses a faulty file with nothing changed; reverse geocoding finds the nearest point within
150 m; the search finds real Paris addresses however they are typed."""

import concurrent.futures
import csv
import gzip
import io
import json
import os
import re
import subprocess
import time

import pytest

from harness import API, assert_error, env, psql, run_dmrctl

BAN_FILE = "paris_adresses_ban_2024-06.csv.gz"
ADDRESSES = 158_048
STREETS = 7_571

# How many rows each table holds and the last transaction that wrote one of them: what a
# refused load must leave as it was (a row written and rolled back is seen by no one).
SNAPSHOT = ("SELECT (SELECT count(*) || ':' || max(xmin::text::bigint) FROM address) || ' ' ||"
            " (SELECT count(*) || ':' || max(xmin::text::bigint) FROM address_street)")


def shipped_file():
    return os.path.join(env("DMR_SHARE_DIR"), "geo", BAN_FILE)


def ban_lines(count):
    """The header and the first `count` - 1 points of the shipped file, each with its "\\n"."""
    lines = []
    with gzip.open(shipped_file(), "rt", encoding="utf-8", newline="") as f:
        for line in f:
            lines.append(line)
            if len(lines) == count:
                return lines
    return lines


def set_field(line, name, value):
    """The line with its field `name` (a column of the BAN's header) set to value."""
    header = ban_lines(1)[0].rstrip("\n").split(";")
    fields = line.rstrip("\n").split(";")
    fields[header.index(name)] = value
    return ";".join(fields) + "\n"


def load(path):
    return run_dmrctl("load-addresses", str(path))


@pytest.fixture
def snapshot():
    return psql(SNAPSHOT)


def test_load_paris_loaded_every_address_point():
    counts = psql("SELECT (SELECT count(*) FROM address) || ' ' || (SELECT count(*) FROM"
                  " address_street) || ' ' || (SELECT count(*) FROM address_street WHERE middle"
                  " IS NULL)")
    assert counts == f"{ADDRESSES} {STREETS} 0"
    row = psql("SELECT concat_ws('|', number, suffix, street, postcode, insee, label, street_norm,"
               " round(ST_Y(point)::numeric, 6), round(ST_X(point)::numeric, 6))"
               " FROM address WHERE ban_id = '75101_cfq3tf_00001'")
    assert row == ("1|Avenue du Général Lemonnier|75001|75101|1 Avenue du Général Lemonnier,"
                   " 75001 Paris|avenue du general lemonnier|48.861299|2.330113")


def test_suffixes_read_as_people_write_them():
    labels = psql("SELECT string_agg(label, ' / ' ORDER BY suffix NULLS FIRST) FROM address"
                  " WHERE street = 'Rue de Rivoli' AND number = 194")
    assert labels == "194 Rue de Rivoli, 75001 Paris / 194 bis Rue de Rivoli, 75001 Paris", labels
    assert psql("SELECT count(*) FROM address"
                " WHERE suffix IN ('b', 't', 'q', 'B', 'T', 'Q')") == "0"


def test_reloading_the_same_file_changes_nothing(snapshot):
    p = load(shipped_file())
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().endswith(f"{BAN_FILE}: {ADDRESSES} addresses in {STREETS} streets,"
                                     " 0 inserted, 0 updated, 0 deleted"), p.stdout
    assert psql(SNAPSHOT) == snapshot


def test_a_smaller_file_replaces_the_whole_set(tmp_path, snapshot):
    """The points the file no longer has go, the others keep their id; the shipped file then
    brings the set back."""
    lines = ban_lines(101)
    lines[1] = set_field(lines[1], "numero", "2")
    small = tmp_path / "small.csv"
    small.write_text("".join(lines), encoding="utf-8")
    kept = psql("SELECT string_agg(id || ban_id, ',' ORDER BY id) FROM address WHERE ban_id IN"
                f" ({', '.join(repr(line.split(';')[0]) for line in lines[1:])})")
    try:
        p = load(small)
        assert p.returncode == 0, p.stderr
        streets = len({(line.split(";")[4], line.split(";")[5]) for line in lines[1:]})
        assert p.stdout.strip() == (f"{small}: 100 addresses in {streets} streets, 0 inserted,"
                                    f" 1 updated, {ADDRESSES - 100} deleted"), p.stdout
        assert psql("SELECT string_agg(id || ban_id, ',' ORDER BY id) FROM address") == kept
        assert psql("SELECT label FROM address WHERE ban_id = '75101_cfq3tf_00001'") == \
            "2 Avenue du Général Lemonnier, 75001 Paris"
    finally:
        p = load(shipped_file())
    assert p.returncode == 0, p.stderr
    assert f"{ADDRESSES - 100} inserted, 1 updated, 0 deleted" in p.stdout, p.stdout
    assert psql("SELECT count(*) FROM address") == str(ADDRESSES)


def refused(path, message, snapshot):
    """The load of `path` fails, says `message`, and the tables are as they were."""
    p = load(path)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert message in p.stderr, p.stderr
    assert "not loaded; nothing changed" in p.stderr, p.stderr
    assert p.stdout == ""
    assert psql(SNAPSHOT) == snapshot


def test_a_cut_gzip_stream_is_refused(tmp_path, snapshot):
    with open(shipped_file(), "rb") as f:
        data = f.read()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[:len(data) // 2])
    refused(cut, "the gzip stream is cut short", snapshot)


def test_a_damaged_gzip_stream_is_refused(tmp_path, snapshot):
    damaged = tmp_path / "damaged.csv.gz"
    damaged.write_bytes(gzip.compress("".join(ban_lines(50)).encode())[:20] + b"\xff" * 200)
    refused(damaged, "the gzip stream is damaged", snapshot)


def test_a_cut_last_line_is_refused(tmp_path, snapshot):
    cut = tmp_path / "cut.csv"
    cut.write_text("".join(ban_lines(50))[:-12], encoding="utf-8")
    refused(cut, "the last line is cut", snapshot)


def test_a_line_with_fields_missing_is_refused(tmp_path, snapshot):
    lines = ban_lines(50)
    lines[10] = ";".join(lines[10].split(";")[:12]) + "\n"
    short = tmp_path / "short.csv.gz"
    short.write_bytes(gzip.compress("".join(lines).encode()))
    refused(short, "line 11", snapshot)


@pytest.mark.parametrize("column", ["numero", "nom_voie", "lat"])
def test_a_missing_column_is_refused(tmp_path, snapshot, column):
    lines = ban_lines(50)
    lines[0] = lines[0].replace(f";{column};", ";other;")
    missing = tmp_path / "missing.csv"
    missing.write_text("".join(lines), encoding="utf-8")
    refused(missing, f"the header has no column {column}", snapshot)


def test_columns_are_found_by_name(tmp_path):
    """A file with its columns in another order reads the same: checked on a faulty line, so
    that nothing is loaded."""
    lines = [";".join(reversed(line.rstrip("\n").split(";"))) + "\n" for line in ban_lines(20)]
    lines[5] = lines[5].replace(";75001;", ";750x1;")
    moved = tmp_path / "moved.csv"
    moved.write_text("".join(lines), encoding="utf-8")
    p = load(moved)
    assert p.returncode == 1
    assert "line 6: code_postal '750x1' is not a postcode" in p.stderr, p.stderr


@pytest.mark.parametrize("column, value, message", [
    ("numero", "12a", "line 8: numero '12a' is not a house number"),
    ("lat", "48,8566", "line 8: lat '48,8566' is not a number"),
    ("lon", "", "line 8: lon NULL is not a number"),
])
def test_a_number_that_does_not_parse_is_refused(tmp_path, snapshot, column, value, message):
    lines = ban_lines(30)
    lines[7] = set_field(lines[7], column, value)
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    refused(bad, message, snapshot)


@pytest.mark.parametrize("lat, lon", [("4.86", "2.35"), ("48.86", "23.5"), ("-48.86", "2.35")])
def test_a_position_outside_france_is_refused(tmp_path, snapshot, lat, lon):
    lines = ban_lines(30)
    lines[12] = set_field(set_field(lines[12], "lat", lat), "lon", lon)
    far = tmp_path / "far.csv"
    far.write_text("".join(lines), encoding="utf-8")
    refused(far, f"line 13: the position lat {lat}, lon {lon} is outside France (metropolitan"
                 " France and Corsica: longitude -5.5 to 10, latitude 41 to 51.5)", snapshot)


def test_an_id_on_two_lines_is_refused(tmp_path, snapshot):
    lines = ban_lines(30)
    twice = tmp_path / "twice.csv"
    twice.write_text("".join(lines + [lines[4]]), encoding="utf-8")
    refused(twice, f"line 31: id {lines[4].split(';')[0]} is also on an earlier line", snapshot)


def test_a_file_without_addresses_is_refused(tmp_path, snapshot):
    empty = tmp_path / "empty.csv"
    empty.write_text(ban_lines(1)[0], encoding="utf-8")
    refused(empty, "no address after the header", snapshot)


def test_a_missing_file_is_refused(tmp_path, snapshot):
    refused(tmp_path / "none.csv.gz", "cannot open", snapshot)


def test_load_addresses_needs_one_file():
    for args in ([], ["a.csv", "b.csv"]):
        p = run_dmrctl("load-addresses", *args)
        assert p.returncode == 2 and "usage: dmrctl load-addresses FILE" in p.stderr, p


# ------------------------------------------------------------------------ reverse geocoding

REVERSE = f"{API}/addresses/reverse"
LUNE = {"label": "24 Rue de la Lune, 75002 Paris", "number": "24", "suffix": None,
        "street": "Rue de la Lune", "postcode": "75002", "lat": 48.869867, "lon": 2.349344}


def test_reverse_answers_the_nearest_address(client):
    r = client.get(REVERSE, {"lat": "48.8699303", "lon": "2.3493395"})
    assert r.status == 200, r
    assert r.body == {"address": LUNE, "distance_m": 7.0}


def test_reverse_example_of_the_docs_is_a_real_answer(client):
    with open(os.path.join(env("DMR_SHARE_DIR"), "docs", "api.md"), encoding="utf-8") as f:
        section = f.read().split("### Reverse geocoding", 1)[1]
    path = re.search(r"`GET (/api/v1/addresses/reverse\?lat=\d+\.\d+&lon=\d+\.\d+)`",
                     section).group(1)
    example = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    r = client.get(path)
    assert r.status == 200, r
    assert r.body == example


# Nearest distances on the sphere by brute force (every point of a box around the position).
BRUTE_NEAREST = """
    SELECT min(ST_Distance(a.point::geography, p::geography, false))
    FROM address a WHERE a.point && ST_Expand(p, 0.02)"""


def test_the_nearest_point_is_the_nearest_on_the_ground():
    """dmr_address_near stops its scan early: at 400 random places of Paris, it finds what
    measuring every point around finds."""
    rows = psql(f"""
        SELECT setseed(0.42);
        WITH place AS (
            SELECT ST_SetSRID(ST_MakePoint(2.25 + 0.2 * random(), 48.82 + 0.08 * random()),
                              4326) AS p
            FROM generate_series(1, 400)),
        found AS (
            SELECT n.distance_m AS near, ({BRUTE_NEAREST}) AS brute
            FROM place CROSS JOIN LATERAL dmr_address_near(place.p) n)
        SELECT count(*) FILTER (WHERE near IS NOT NULL) || ' ' ||
               count(*) FILTER (WHERE near IS DISTINCT FROM
                                CASE WHEN brute <= 150 THEN brute END)
        FROM found""").splitlines()[-1]
    found, wrong = map(int, rows.split())
    assert wrong == 0, f"{wrong} of 400 places got another distance than the nearest point's"
    assert found > 250, found


def places_in_the_bois_de_boulogne(low, high):
    """Places of the wood whose nearest address point is between low and high metres."""
    return [tuple(map(float, line.split("|"))) for line in psql(f"""
        SELECT lat, lon FROM (
            SELECT lat, lon, ({BRUTE_NEAREST}) AS d
            FROM generate_series(48.855, 48.875, 0.0005) lat,
                 generate_series(2.235, 2.265, 0.0005) lon,
                 LATERAL (SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS p) x
            WHERE EXISTS (SELECT 1 FROM area WHERE kind = 'arrondissement'
                          AND ST_Contains(geom, p))) s
        WHERE d > {low} AND d < {high} ORDER BY d, lat, lon LIMIT 3""").splitlines()]


def test_reverse_reaches_150_m_and_no_further(client):
    inside = places_in_the_bois_de_boulogne(140, 149.9)
    beyond = places_in_the_bois_de_boulogne(150.1, 160)
    assert inside and beyond
    for lat, lon in inside:
        r = client.get(REVERSE, {"lat": lat, "lon": lon})
        assert r.status == 200 and 140 <= r.body["distance_m"] <= 150, r
    for lat, lon in beyond:
        assert_error(client.get(REVERSE, {"lat": lat, "lon": lon}), 404, "no_address")


@pytest.mark.parametrize("place, lat, lon", [
    ("the middle of the Bois de Boulogne", 48.8626, 2.2470),
    ("the middle of the Bois de Vincennes", 48.8330, 2.4330),
    ("the Jardin du Luxembourg", 48.8462, 2.3371),
])
def test_reverse_far_from_every_address_is_404(client, place, lat, lon):
    assert_error(client.get(REVERSE, {"lat": lat, "lon": lon}), 404, "no_address")


@pytest.mark.parametrize("lat, lon", [(48.892, 2.236), (48.9, 2.5), (45.76, 4.83)])
def test_reverse_outside_paris_is_422(client, lat, lon):
    assert_error(client.get(REVERSE, {"lat": lat, "lon": lon}), 422, "outside_service_area", "lat")


@pytest.mark.parametrize("params, status, code, field", [
    ({"lon": "2.35"}, 400, "invalid_parameter", "lat"),
    ({"lat": "48.85"}, 400, "invalid_parameter", "lon"),
    ({"lat": "", "lon": "2.35"}, 400, "invalid_parameter", "lat"),
    ({"lat": "abc", "lon": "2.35"}, 400, "invalid_parameter", "lat"),
    ({"lat": "48.85", "lon": "2.35x"}, 400, "invalid_parameter", "lon"),
    ({"lat": "NaN", "lon": "2.35"}, 400, "invalid_parameter", "lat"),
    ({"lat": "48.85", "lon": "inf"}, 400, "invalid_parameter", "lon"),
    ({"lat": "91", "lon": "2.35"}, 422, "invalid_field", "lat"),
    ({"lat": "48.85", "lon": "-180.5"}, 422, "invalid_field", "lon"),
])
def test_reverse_refuses_bad_coordinates(client, params, status, code, field):
    assert_error(client.get(REVERSE, params), status, code, field)


# ------------------------------------------------------------------------ search

SEARCH = f"{API}/addresses"


def search(client, q, **params):
    r = client.get(SEARCH, dict(params, q=q))
    assert r.status == 200, r
    assert len(r.body["addresses"]) <= int(params.get("limit", 10))
    return r.body["addresses"]


def first(client, q, **params):
    found = search(client, q, **params)
    assert found, f"nothing for {q!r}"
    return found[0]["label"]


def test_search_answers_addresses_of_the_same_form(client):
    found = search(client, "24 rue de la lune")
    assert found[0] == LUNE
    assert all(set(a) == set(LUNE) for a in found), found


@pytest.mark.parametrize("q, label", [
    ("26 Rue de la Lune, 75002 PARIS", "26 Rue de la Lune, 75002 Paris"),
    ("26 RUE DE LA LUNE", "26 Rue de la Lune, 75002 Paris"),
    ("12 rue de l'universite", "12 Rue de l'Université, 75007 Paris"),
    ("12 RUE DE L UNIVERSITÉ", "12 Rue de l'Université, 75007 Paris"),
    ("12 Rue de l’Université", "12 Rue de l'Université, 75007 Paris"),
    ("4 rue sainte cecile", "4 Rue Sainte-Cécile, 75009 Paris"),
])
def test_search_ignores_case_accents_and_punctuation(client, q, label):
    assert first(client, q) == label


@pytest.mark.parametrize("q, label", [
    ("12 bd st michel", "12 Boulevard Saint-Michel, 75006 Paris"),
    ("12 boulevard saint michel", "12 Boulevard Saint-Michel, 75006 Paris"),
    ("149 av du maine", "149 Avenue du Maine, 75014 Paris"),
    ("236 r du fg st antoine", "236 Rue du Faubourg Saint-Antoine, 75012 Paris"),
    ("236 rue du fbg saint-antoine", "236 Rue du Faubourg Saint-Antoine, 75012 Paris"),
    ("12 pl de la bastille", "12 Place de la Bastille, 75011 Paris"),
    ("12 bd de la bastille", "12 Boulevard de la Bastille, 75012 Paris"),
    ("4 ste cecile", "4 Rue Sainte-Cécile, 75009 Paris"),
    ("29 q de l oise", "29 Quai de l'Oise, 75019 Paris"),
    ("1 sq du thimerais", "1 Square du Thimerais, 75017 Paris"),
    ("1 pas saint pierre amelot", "1 Passage Saint-Pierre Amelot, 75011 Paris"),
    ("rue rivoli 75004", None),
])
def test_search_reads_abbreviations_and_skips_articles(client, q, label):
    got = first(client, q)
    if label:
        assert got == label
    else:
        assert "Rue de Rivoli, 75004 Paris" in got, got


@pytest.mark.parametrize("q, postcode", [
    ("rue de vaugirard 75015", "75015"),
    ("rue de vaugirard 75006", "75006"),
    ("rue de vaugirard 15e", "75015"),
    ("rue de vaugirard 6e", "75006"),
    ("rue de vaugirard 15eme", "75015"),
    ("rue de vaugirard 15ème", "75015"),
    ("rue de vaugirard, Paris 15", "75015"),
    ("rue de vaugirard paris 6", "75006"),
    ("Paris 6e rue de vaugirard", "75006"),
    # The 16th's INSEE code is 75116, its postcodes 75016 and 75116: either names it.
    ("78 avenue marceau 75116", "75016"),
    ("78 avenue marceau 75016", "75016"),
    ("78 avenue marceau 75008", "75008"),
    ("78 avenue marceau 8e", "75008"),
])
def test_search_ranks_the_arrondissement_typed_first(client, q, postcode):
    found = search(client, q)
    assert found[0]["postcode"] == postcode, found[:2]


def test_search_reads_a_postcode_still_being_typed_as_none(client):
    full = search(client, "26 rue de la lune")
    for cut in ("26 rue de la lune 7", "26 rue de la lune 75", "26 rue de la lune 750",
                "26 rue de la lune, 7500", "26 rue de la lune, 75002 P",
                "26 rue de la lune, 75002 Pari"):
        assert search(client, cut) == full, cut


@pytest.mark.parametrize("q, label", [
    ("12 rue de rivolli", "12 Rue de Rivoli, 75004 Paris"),
    ("167 boulevard haussman", "167 Boulevard Haussmann, 75008 Paris"),
    ("89 rue oberkampff", "89 Rue Oberkampf, 75011 Paris"),
    ("34 rue letor", "34 Rue Letort, 75018 Paris"),
    ("59 rue louis blan", "59 Rue Louis Blanc, 75010 Paris"),
    ("148 bd du montparnase", "148 Boulevard du Montparnasse, 75014 Paris"),
])
def test_search_forgives_a_typo_or_two(client, q, label):
    assert first(client, q) == label


def test_a_street_without_number_answers_its_middle_address(client):
    middle = psql("SELECT a.label FROM address_street s JOIN address a ON a.id = s.middle"
                  " WHERE s.street = 'Rue Letort' AND s.postcode = '75018'")
    numbers = [int(n) for n in psql("SELECT number FROM address WHERE street = 'Rue Letort'"
                                    " ORDER BY number").split()]
    assert int(middle.split()[0]) == numbers[(len(numbers) - 1) // 2]
    assert first(client, "rue letort") == middle
    assert first(client, "Letort") == middle


def test_a_number_the_street_lacks_answers_the_next_one(client):
    numbers = [int(n) for n in psql("SELECT number FROM address WHERE street = 'Rue Letort'"
                                    " ORDER BY number").split()]
    missing = next(n for n in range(1, numbers[-1]) if n not in numbers)
    above = min(n for n in numbers if n > missing)
    assert first(client, f"{missing} rue letort") == f"{above} Rue Letort, 75018 Paris"
    assert first(client, f"{numbers[-1] + 50} rue letort") == \
        f"{numbers[-1]} Rue Letort, 75018 Paris"


@pytest.mark.parametrize("q, label", [
    ("194 bis rue de rivoli", "194 bis Rue de Rivoli, 75001 Paris"),
    ("194bis rue de rivoli", "194 bis Rue de Rivoli, 75001 Paris"),
    ("194b rue de rivoli", "194 bis Rue de Rivoli, 75001 Paris"),
    ("194 B rue de Rivoli", "194 bis Rue de Rivoli, 75001 Paris"),
    ("194 rue de rivoli", "194 Rue de Rivoli, 75001 Paris"),
    ("194-196 rue de rivoli", "194 Rue de Rivoli, 75001 Paris"),
])
def test_search_reads_the_number_and_its_suffix(client, q, label):
    assert first(client, q) == label


def test_search_answers_as_the_person_types(client):
    """Every beginning of the address from the first letters of the name on finds it."""
    typed = "26 Rue de la Lune, 75002 Paris"
    for end in range(len("26 Rue de la Lun"), len(typed) + 1):
        assert first(client, typed[:end]) == "26 Rue de la Lune, 75002 Paris", typed[:end]
    assert "Rue de Rivoli" in first(client, "rue de riv")
    assert "Boulevard Saint-Michel" in first(client, "12 boulevard saint-mic")


@pytest.mark.parametrize("q", ["12", "12 bis", "12b", "rue", "12 rue", "12 boul"])
def test_search_without_a_name_yet_answers_nothing(client, q):
    assert search(client, q) == []


def test_near_ranks_the_nearer_street_first(client):
    """Rue de Vaugirard has a 75006 part and a 75015 part: without a postcode they rank equal."""
    sixth = search(client, "rue de vaugirard", near="48.8470,2.3330")
    fifteenth = search(client, "rue de vaugirard", near="48.8400,2.3000")
    assert [a["postcode"] for a in sixth[:2]] == ["75006", "75015"], sixth
    assert [a["postcode"] for a in fifteenth[:2]] == ["75015", "75006"], fifteenth


def test_limit_bounds_the_answer(client):
    assert len(search(client, "rue saint")) == 10
    assert len(search(client, "rue saint", limit=1)) == 1
    assert len(search(client, "rue saint", limit=20)) == 20


@pytest.mark.parametrize("params, status, code, field", [
    ({}, 400, "invalid_parameter", "q"),
    ({"q": ""}, 422, "invalid_field", "q"),
    ({"q": "   "}, 422, "invalid_field", "q"),
    ({"q": " ,.-'/ ; "}, 422, "invalid_field", "q"),
    ({"q": "«»–…"}, 422, "invalid_field", "q"),
    ({"q": "a" * 201}, 422, "invalid_field", "q"),
    ({"q": "rue de l" + "é" * 193}, 422, "invalid_field", "q"),
    ({"q": b"rue de la lune \xff"}, 422, "invalid_utf8", "q"),
    ({"q": b"\xc3\x28"}, 422, "invalid_utf8", "q"),
    ({"q": "rivoli", "limit": "0"}, 400, "invalid_parameter", "limit"),
    ({"q": "rivoli", "limit": "21"}, 400, "invalid_parameter", "limit"),
    ({"q": "rivoli", "limit": "ten"}, 400, "invalid_parameter", "limit"),
    ({"q": "rivoli", "near": "48.85"}, 400, "invalid_parameter", "near"),
    ({"q": "rivoli", "near": "abc,2.35"}, 400, "invalid_parameter", "near"),
    ({"q": "rivoli", "near": "95,2.35"}, 422, "invalid_field", "lat"),
])
def test_search_refuses_bad_parameters(client, params, status, code, field):
    assert_error(client.get(SEARCH, params), status, code, field)


def test_two_hundred_characters_are_accepted(client):
    assert search(client, ("26 rue de la lune " * 12)[:200]) is not None


# ------------------------------------------------------------------------ quality on real reports

# Measured on $DMR_SHARED/data/dansmarue_2023-2024_a.csv (docs/data.md#addresses): the floors
# sit a little below.
MIN_REVERSE_STREET_SHARE = 0.85
MIN_SEARCH_FIRST_SHARE = 0.94

REPORTS_TABLE = """
    CREATE TEMP TABLE recorded (id_dmr text, adresse text, lat float8, lon float8);
    COPY recorded FROM STDIN (FORMAT csv);
"""

# (1) The street of the address point nearest to the report's position, and (2) the first
# answer of the search for the address the City recorded, against the recorded address read
# as the search reads it (dmr_address_parse): its number, and its street. Two streets are the
# same when their normal forms are, the articles aside (dmr_address_key): "14 Villa
# Saint-Mandé" is on Villa de Saint-Mandé.
FIGURES = """
    CREATE FUNCTION pg_temp.street(p_norm text) RETURNS text LANGUAGE sql IMMUTABLE AS
        $$ SELECT concat_ws(' ', dmr_address_kind(p_norm), dmr_address_key(p_norm)) $$;
    CREATE TEMP TABLE figure AS
    SELECT r.id_dmr, r.adresse, p.number, pg_temp.street(dmr_address_norm(p.street)) AS street,
           (SELECT pg_temp.street(a.street_norm) FROM address a WHERE a.id = n.address_id)
               AS near_street,
           s.number AS found_number, pg_temp.street(dmr_address_norm(s.street)) AS found_street
    FROM recorded r
    CROSS JOIN LATERAL dmr_address_parse(r.adresse) p
    CROSS JOIN LATERAL dmr_address_near(ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)) n
    LEFT JOIN LATERAL dmr_address_search(r.adresse, 1, NULL, NULL) s ON true;
    SELECT json_build_object(
        'rows', count(*),
        'near_found', count(near_street),
        'near_same_street', count(*) FILTER (WHERE near_street = street),
        'with_number', count(*) FILTER (WHERE number IS NOT NULL),
        'search_first', count(*) FILTER (WHERE number IS NOT NULL AND found_number = number
                                         AND found_street = street),
        'search_misses', (SELECT json_agg(m) FROM (
            SELECT adresse, found_number, found_street FROM figure
            WHERE number IS NOT NULL
              AND (found_number IS DISTINCT FROM number OR found_street IS DISTINCT FROM street)
            ORDER BY id_dmr LIMIT 10) m))::jsonb
    FROM figure;
"""


def recorded_reports():
    path = os.path.join(env("DMR_SHARED"), "data", "dansmarue_2023-2024_a.csv")
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def figures(rows):
    """The FIGURES of the rows, in one psql session."""
    data = io.StringIO()
    writer = csv.writer(data, lineterminator="\n")
    for row in rows:
        writer.writerow([row["id_dmr"], row["adresse"], row["lat"], row["lon"]])
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", env("DMR_DATABASE")],
                       input=REPORTS_TABLE + data.getvalue() + "\\.\n" + FIGURES,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_quality_on_the_addresses_the_city_recorded(capsys):
    """Both figures on every report of the sample, in two sessions at once (two halves)."""
    rows = recorded_reports()
    assert len(rows) == 19757
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        halves = list(pool.map(figures, [rows[0::2], rows[1::2]]))
    elapsed = time.monotonic() - start
    f = {k: sum(h[k] for h in halves) for k in halves[0] if k != "search_misses"}
    misses = [m for h in halves for m in h["search_misses"] or []][:10]
    near_share = f["near_same_street"] / f["rows"]
    search_share = f["search_first"] / f["with_number"]
    summary = (f"addresses of {f['rows']} real reports, in {elapsed:.1f} s: "
               f"(1) the nearest address point within 150 m is on the recorded street for "
               f"{near_share:.4f} ({f['near_same_street']}/{f['rows']}; a point within 150 m"
               f" for {f['near_found']}); (2) the search's first answer is the recorded number"
               f" and street for {search_share:.4f} ({f['search_first']}/{f['with_number']}"
               f" recorded addresses with a number)")
    print(summary)
    with capsys.disabled():
        print("\n" + summary)
        print("some search misses (recorded, number found, street found):",
              [(m["adresse"], m["found_number"], m["found_street"]) for m in misses])
    assert near_share >= MIN_REVERSE_STREET_SHARE, summary
    assert search_share >= MIN_SEARCH_FIRST_SHARE, summary
