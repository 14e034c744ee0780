"""Addresses: `dmrctl load-addresses` loads the Base Adresse Nationale's Paris export shipped
in geo/ (load-paris did it for this database), replaces the whole set in one transaction, and
refuses a faulty file with nothing changed."""

import gzip
import os

import pytest

from harness import env, psql, run_dmrctl

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
    assert psql("SELECT count(*) FROM address WHERE suffix IN ('b', 't', 'q', 'B', 'T', 'Q')") == "0"


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
