"""The map /carte in a real browser: Debian's chromium, driven by playwright-core through
tests/browser/carte.mjs (one scenario a test), against the suite's dmrd. Sign-in through
/connexion, the clusters and a known report at its position, a filter, the report's panel,
the dashboard against the statistics API, live updates, and axe-core's accessibility check.

Screenshots go to <DMR_BUILD_DIR>/browser-screenshots/ (printed at the end of the run); a
failing scenario shows the browser's console."""

import datetime
import http.server
import json
import os
import random
import shutil
import subprocess
import threading

import pytest

import harness
from harness import API

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tests", "browser", "carte.mjs")
SHOTS = os.path.join(harness.env("DMR_BUILD_DIR"), "browser-screenshots")
# The shades of the arrondissements, lightest first (web/carte.js).
SHADES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]


pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(dmrd, tmp_path_factory):
    """A dmrd that the browser reaches at the address it serves: without DMR_PUBLIC_URL, the
    Host of a request names the service, so the sign-in form's Origin is its own (the suite's
    dmrd answers for https://dansmarue.test and refuses it)."""
    server = harness.Dmrd(tmp_path_factory.mktemp("site") / "dmrd.log", {"DMR_PUBLIC_URL": ""})
    try:
        server.wait_healthy()
        yield server
    finally:
        server.terminate()
        server.kill()


@pytest.fixture(scope="module")
def browser(site):
    """browser(scenario, **input): what the scenario saw, as a dict."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    os.makedirs(SHOTS)
    harness.SCREENSHOT_DIRS.add(SHOTS)

    def run(scenario, **given):
        given = {"base": f"http://127.0.0.1:{site.port}", "out": SHOTS, **given}
        p = subprocess.run(["node", SCRIPT, scenario], input=json.dumps(given), cwd=ROOT,
                           capture_output=True, text=True, timeout=240)
        if p.returncode != 0:
            pytest.fail(f"browser scenario {scenario} failed (screenshots in {SHOTS}):\n"
                        f"{p.stderr}{p.stdout}", pytrace=False)
        seen = json.loads(p.stdout)
        # The page runs under its Content-Security-Policy without a refusal or an uncaught
        # error.
        broken = [line for line in seen["console"]
                  if "Content Security Policy" in line or line.startswith("pageerror")]
        assert not broken, f"{scenario}: {broken}"
        return seen

    return run


@pytest.fixture(scope="module")
def report(client, cat_a, arrondissements):
    """A report with a photo at a known place, as GET /api/v1/reports/{id} shows it."""
    lat, lon, _ = arrondissements.random_spot(random.Random())
    body = json.dumps({"category_id": cat_a["id"], "lat": lat, "lon": lon,
                       "description": "Matelas devant la porte"}).encode()
    ctype, data = harness.multipart({
        "report": ("application/json", body),
        "photo_close": ("image/jpeg", harness.photo("orientation/landscape_1.jpg"))})
    r = client.post(f"{API}/reports", data=data, headers={"Content-Type": ctype})
    assert r.status == 201, r
    r = client.get(f"{API}/reports/{r.body['id']}")
    assert r.status == 200, r
    return r.body


def stats(client, by, **filters):
    r = client.get(f"{API}/stats", {"by": by, **filters})
    assert r.status == 200, r
    return r.body["rows"]


def test_sign_in_through_connexion_shows_the_staff_panels(browser, token):
    seen = browser("signin", token=token("supervisor"))
    assert seen["before"] == {"connexion": True, "export": False, "staff_panel": False,
                              "deconnexion": False}, seen
    after = seen["after"]
    assert after["connexion"] is False and after["deconnexion"] is True, seen
    assert after["export"] is True and after["staff_panel"] is True, seen
    assert after["session"]["role"] == "supervisor", seen
    assert "superviseur" in after["who"], seen
    # The export link carries the filters of the form.
    assert after["export_href"] == f"{API}/reports.csv?status=open", seen
    cookie = [c for c in seen["cookies"] if c["name"] == "dmr_session"]
    assert cookie and cookie[0]["httpOnly"] and cookie[0]["sameSite"] == "Strict", seen
    # "Déconnexion" ends the session: the map is the public's again.
    assert seen["signed_out"] == {"connexion": True, "export": False, "staff": None}, seen


def test_clusters_over_paris_then_the_report_at_its_position(browser, client, report):
    # The statistics count a period (12 months by default), the map every open report:
    # with `since`, both count the reports created since then.
    since = (datetime.date.today() - datetime.timedelta(days=60)).isoformat()
    seen = browser("clusters", report=report, filters={"since": since})
    clusters = seen["clusters"]
    assert clusters and seen["buttons"] == len(clusters), seen
    # Paris is in view: the clusters hold every report the statistics count.
    total = sum(row["count"] for row in stats(client, "arrondissement", since=since))
    assert sum(c["count"] for c in clusters) == total, (clusters, total)
    assert seen["zoom_after"] >= seen["zoom_before"] + 1, seen
    point = seen["point"]
    assert point is not None, seen
    assert point["offset_px"] < 2, point
    assert point["properties"]["number"] == report["number"], point
    assert point["properties"]["status"] == "new", point


def test_a_filter_hides_the_report_and_the_url_keeps_it(browser, categories, report):
    own_top = report["category"]["parent"]["id"]
    other_top = next(c["id"] for c in categories if c["id"] != own_top)
    seen = browser("filter", report=report, own_top=own_top, other_top=other_top)
    assert report["id"] not in seen["hidden_points"], seen
    assert f"top_category={other_top}" in seen["url"], seen
    assert f"top_category={other_top}" in seen["tiles"], seen
    assert "#carte=" in seen["url"], seen
    # Whoever opens the URL sees the same filters at the same place.
    shared = seen["shared"]
    assert shared["top"] == str(other_top) and shared["key"] == f"top_category={other_top}"
    assert abs(shared["zoom"] - 17) < 0.01, shared
    assert abs(shared["center"][0] - report["lon"]) < 1e-4, shared
    assert abs(shared["center"][1] - report["lat"]) < 1e-4, shared
    assert report["id"] not in shared["ids"], shared
    assert seen["search_after"] == f"?top_category={own_top}", seen


def test_the_panel_shows_the_report(browser, client, token, report):
    seen = browser("panel", report=report, token=token("supervisor"))
    panel = seen["panel"]
    assert panel["title"] == f"Signalement {report['number']}", panel
    facts = panel["facts"]
    assert facts["État"] == "Nouveau", facts
    assert facts["Adresse"] == report["address"], facts
    assert facts["Type"] == \
        f"{report['category']['parent']['label']} – {report['category']['label']}", facts
    assert facts["Service"] == report["service"]["name"], facts
    assert facts["Secteur"] == report["sector"]["name"], facts
    assert "Échéance" in facts and facts["Description"] == "Matelas devant la porte", facts
    events = client.get(f"{API}/reports/{report['id']}/events").body["events"]
    assert len(panel["history"]) == len(events) == 1 and "Nouveau" in panel["history"][0]
    assert panel["thumbnail"] == report["photos"]["close"]["thumbnail_url"], panel
    assert {"text": "Historique complet (équipe)",
            "href": f"{API}/reports/{report['id']}/events"} in panel["links"], panel
    assert panel["focus_inside"] is True, panel
    assert seen["closed"] is True, seen
    assert seen["keyboard"] == {"opened": True, "focus_back": True}, seen


def rows_by(rows, key):
    cols = ("count", "open", "overdue", "resolved", "resolve_hours_median")
    return {str(r[key]): {c: r[c] for c in cols} for r in rows}


@pytest.mark.parametrize("filters", [{}, {"status": "open"}])
def test_the_dashboard_matches_the_statistics(browser, client, report, filters):
    seen = browser("stats", filters=filters)
    for by in ("service", "arrondissement"):
        api = rows_by(stats(client, by, **filters), by)
        page = {r["key"]: r["cells"] for r in seen[by]}
        assert api and page == api, (by, page, api)
    # A service is named, an arrondissement numbered as people write it.
    names = {r["service"]: r["service_name"] for r in stats(client, "service", **filters)}
    for row in seen["service"]:
        assert row["text"].startswith(names[row["key"]]), row
    for row in seen["arrondissement"]:
        assert row["text"].startswith("1er" if row["key"] == "1" else f"{row['key']}e"), row
    # The arrondissements are shaded by their open reports, or their overdue ones (kept in the
    # URL), or not at all; each shade has its line in the legend.
    by_arr = {r["arrondissement"]: r for r in stats(client, "arrondissement", **filters)}
    for kind in ("open", "overdue"):
        color, legend = seen[kind]["color"], seen[kind]["legend"]
        assert color[0] == "match" and 1 <= len(legend) <= len(SHADES), seen[kind]
        shaded = dict(zip(color[2:-1:2], color[3:-1:2]))
        assert set(shaded) == set(by_arr), (shaded, by_arr)
        # The lightest shade is for the fewest, the last of the legend for the most.
        order = sorted(by_arr, key=lambda a: by_arr[a][kind])
        ranks = [SHADES.index(shaded[a]) for a in order]
        assert ranks == sorted(ranks) and ranks[-1] == len(legend) - 1, (kind, shaded, legend)
    assert "teinte=overdue" in seen["overdue"]["url"], seen["overdue"]
    assert seen["none"]["color"] == "#ffffff" and seen["none"]["legend"] == [], seen["none"]
    assert "teinte=none" in seen["none"]["url"], seen["none"]


def test_axe_finds_no_serious_violation(browser, token, report):
    seen = browser("axe", report=report, token=token("supervisor"))
    for view in ("public", "panel", "staff"):
        serious = [v for v in seen[view] if v["impact"] in ("serious", "critical")]
        assert not serious, (view, serious)


def test_reports_appear_and_move_live(browser, token, cat_a, arrondissements):
    lat, lon, _ = arrondissements.random_spot(random.Random())
    seen = browser("live", token=token("supervisor"), mover=token("agent", cat_a["service"]),
                   category_id=cat_a["id"], at={"lat": lat, "lon": lon})
    assert seen["created_status"] == 201 and seen["moved_status"] == 200, seen
    assert seen["appeared"]["status"] == "new", seen
    assert seen["after"]["status"] == "acknowledged", seen
    assert seen["not_reloaded"] is True, seen


class StyleServer(http.server.ThreadingHTTPServer):
    """A basemap's server on a port of 127.0.0.1: a MapLibre style of one background layer,
    readable from another origin, and the paths it was asked."""

    STYLE = json.dumps({"version": 8, "sources": {}, "layers": [
        {"id": "fond-de-plan", "type": "background",
         "paint": {"background-color": "#dde6d5"}}]}).encode()

    def __init__(self):
        self.asked = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(server.STYLE)))
                self.end_headers()
                self.wfile.write(server.STYLE)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_a_basemap_goes_under_the_map_s_own_layers(browser, nodes, report):
    style = StyleServer()
    try:
        url = f"http://127.0.0.1:{style.server_address[1]}/styles/paris.json"
        node = nodes(DMR_PUBLIC_URL="", DMR_BASEMAP_STYLE=url)
        seen = browser("basemap", base=f"http://127.0.0.1:{node.port}")
    finally:
        style.shutdown()
        style.server_close()
    assert style.asked == ["/styles/paris.json"], style.asked
    layers = seen["layers"]
    assert layers[0] == "fond-de-plan" and seen["background"] == "#dde6d5", seen
    assert layers.index("arrondissements-teinte") == 1 and layers[-1] == "points", layers
