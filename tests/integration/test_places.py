"""Every report has the place of its position (docs/api.md, "The place of a report"): the label
of the nearest address point within 150 m, its administrative quartier, and the park or wood it
lies in, taken in the transaction that stores it. The address a client typed is kept for the
staff only. `dmrctl fill-places` gives their place to reports stored before."""

import re

import pytest

from harness import (API, HOTEL_DE_VILLE, assert_error, bearer, psql, report_here,
                     run_dmrctl)

# In the middle of the Bois de Vincennes: 450 m from the nearest address point.
IN_THE_WOOD = (48.8300, 2.4360)


def quartier_at(lat, lon):
    """The code and name of the quartier holding the point, as the database has it."""
    code, name = psql("SELECT code || '|' || name FROM area WHERE kind = 'quartier'"
                      f" AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326))"
                      ).split("|")
    return {"code": code, "name": name}


def test_a_report_takes_the_address_of_its_position(client):
    rep = report_here(client, address="n'importe où, Parigi")
    lat, lon = HOTEL_DE_VILLE
    near = client.get(f"{API}/addresses/reverse", {"lat": lat, "lon": lon})
    assert near.status == 200, near
    assert rep["address"] == near.body["address"]["label"], (rep, near.body)
    assert rep["address_distance_m"] == pytest.approx(near.body["distance_m"], abs=0.1), rep
    assert rep["quartier"] == quartier_at(lat, lon), rep
    assert rep["park"] is None, rep
    assert client.get(f"{API}/reports/{rep['id']}").body["address"] == rep["address"]


def test_a_report_in_a_wood_has_no_street_address_but_its_wood_and_quartier(client):
    lat, lon = IN_THE_WOOD
    assert_error(client.get(f"{API}/addresses/reverse", {"lat": lat, "lon": lon}), 404,
                 "no_address")
    r = client.post(f"{API}/reports", {"category_id": 7001, "lat": lat, "lon": lon,
                                       "address": "Bois de Vincennes"})
    assert r.status == 201, r
    rep = r.body
    assert rep["address"] is None and rep["address_distance_m"] is None, rep
    assert rep["park"] == "BOIS DE VINCENNES", rep
    assert rep["quartier"] == quartier_at(lat, lon), rep
    assert rep["arrondissement"] == 12, rep


def test_messages_name_the_address_else_the_park_or_quartier_with_the_arrondissement():
    quartier = psql("SELECT id || '|' || name FROM area WHERE kind = 'quartier'"
                    " AND arrondissement = 1 ORDER BY id LIMIT 1").split("|")
    label = "SELECT dmr_place_label({}, {}, {}, {}::smallint)"
    assert psql(label.format("'3 Rue X, 75012 Paris'", "'BOIS DE VINCENNES'", quartier[0], 12)) \
        == "3 Rue X, 75012 Paris"
    assert psql(label.format("''", "'BOIS DE VINCENNES'", quartier[0], 12)) \
        == "BOIS DE VINCENNES, Paris 12e"
    assert psql(label.format("''", "NULL", quartier[0], 1)) == f"{quartier[1]}, Paris 1er"
    assert psql(label.format("''", "NULL", "NULL", 1)) == "Paris 1er"


def test_the_address_typed_is_for_the_staff_only(client, token):
    typed = "12 rue de Rivoli (en face du café)"
    rep = report_here(client, address=typed)
    url = f"{API}/reports/{rep['id']}"
    public = client.get(url)
    assert public.status == 200 and "address_given" not in public.body, public
    for secret in (token("supervisor"), token("agent", rep["service"]["code"])):
        staff = client.get(url, headers=bearer(secret))
        assert staff.status == 200 and staff.body["address_given"] == typed, staff
        assert "private" in staff.headers.get("Cache-Control", ""), staff.headers
        assert {k: v for k, v in staff.body.items() if k != "address_given"} == public.body
    stranger_service = "DVD" if rep["service"]["code"] != "DVD" else "DEVE"
    for secret in (rep["edit_token"], token("agent", stranger_service)):
        other = client.get(url, headers=bearer(secret))
        assert other.status == 200 and "address_given" not in other.body, other
    assert_error(client.get(url, headers=bearer("dmr_" + "0" * 40)), 401, "unauthorized")


def unplace(ids):
    id_list = ",".join(str(i) for i in ids)
    psql(f"UPDATE report SET address = '', address_distance_m = NULL, quartier_id = NULL,"
         f" park = NULL WHERE id IN ({id_list})")


def places(ids):
    id_list = ",".join(str(i) for i in ids)
    return psql("SELECT string_agg(concat_ws('|', id, address, address_distance_m,"
                f" quartier_id, park), ';' ORDER BY id) FROM report WHERE id IN ({id_list})")


def test_fill_places_gives_reports_stored_before_their_place(client):
    ids = [report_here(client)["id"] for _ in range(3)]
    before = places(ids)
    unplace(ids)
    assert places(ids) != before
    p = run_dmrctl("fill-places", "--batch", "2")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "placed 2 of 3 reports (67%)", p.stdout
    assert lines[-1] == "done: 3 reports placed", p.stdout
    assert places(ids) == before
    again = run_dmrctl("fill-places")
    assert again.returncode == 0 and again.stdout == "done: 0 reports placed\n", again.stdout


@pytest.mark.parametrize("args", [["--batch", "0"], ["--batch", "x"], ["--batch"],
                                  ["--batch", "100001"], ["--size", "2"]])
def test_fill_places_refuses_a_bad_batch(client, args):
    rid = report_here(client)["id"]
    unplace([rid])
    p = run_dmrctl("fill-places", *args)
    assert p.returncode == 2 and re.search(r"usage: dmrctl fill-places", p.stderr), p
    assert psql(f"SELECT quartier_id IS NULL FROM report WHERE id = {rid}") == "t"
    assert run_dmrctl("fill-places").returncode == 0
