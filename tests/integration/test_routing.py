"""Routing against reality: every report of $DMR_SHARED/data/dansmarue_2023-2024_a.csv goes
through GET /api/v1/route, and the service and arrondissement chosen are compared with the
service that really handled it and the arrondissement recorded; the service also as it would
be without the park rule (rule 3, park_override: the category's own service). The figures are
in-sample (the categories' services and the park overrides are learned from the same rows by
tools/gen_reference.py, which prints the same two figures) and kept in docs/data.md."""

import csv
import os
import subprocess
import threading
import time
from collections import Counter

from harness import API, env

THREADS = 4
MIN_SERVICE_SHARE = 0.985
MIN_ARRONDISSEMENT_SHARE = 0.995
# Reports whose routed service is the one that handled them, of the 19,757: without the park
# rule (each category's service), and with it.
AGREEING_WITHOUT_PARK_RULE = 19633
AGREEING_WITH_PARK_RULE = 19650


def centre(arr):
    """Arrondissements 1 to 4 are one (Paris Centre); they are often recorded as such."""
    return 1 if 1 <= arr <= 4 else arr


def load_rows():
    path = os.path.join(env("DMR_SHARED"), "data", "dansmarue_2023-2024_a.csv")
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_route_every_real_report(dmrd, categories, capsys):
    rows = load_rows()
    assert len(rows) == 19757

    ids, services = {}, {}
    for top in categories:
        for child in top["children"]:
            ids[(top["label"], child["label"])] = child["id"]
            services[(top["label"], child["label"])] = child["service"]
    unmapped = Counter((r["type"], r["soustype"]) for r in rows
                       if (r["type"], r["soustype"]) not in ids)
    assert not unmapped, f"{len(unmapped)} (type, soustype) pairs have no category: " \
                         f"{unmapped.most_common(10)}"

    results = [None] * len(rows)

    def worker(k):
        c = dmrd.client()
        try:
            for i in range(k, len(rows), THREADS):
                row = rows[i]
                params = {"category_id": ids[(row["type"], row["soustype"])],
                          "lat": row["lat"], "lon": row["lon"]}
                try:
                    results[i] = c.get(f"{API}/route", params)
                except Exception as e:  # noqa: BLE001 - counted as a failure below
                    results[i] = e
                    c.close()
        finally:
            c.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start

    failures = []
    service_ok = without_park_ok = arr_ok = 0
    service_misses = Counter()
    arr_misses = Counter()
    for row, r in zip(rows, results):
        if not hasattr(r, "status") or r.status != 200:
            failures.append((row["id_dmr"], row["lat"], row["lon"], r))
            continue
        code = r.body["service"]["code"]
        if code == row["intervenant"]:
            service_ok += 1
        else:
            service_misses[(row["soustype"][:60], row["intervenant"], code)] += 1
        if r.body["routing"]["rule"] == "park_override":
            code = services[(row["type"], row["soustype"])]
        without_park_ok += code == row["intervenant"]
        if centre(r.body["arrondissement"]) == centre(int(row["arrondissement"])):
            arr_ok += 1
        else:
            arr_misses[(int(row["arrondissement"]), r.body["arrondissement"])] += 1

    n = len(rows)
    service_share = service_ok / n
    arr_share = arr_ok / n
    summary = (f"routing of {n} real reports in {elapsed:.1f} s ({n / elapsed:.0f}/s): "
               f"service = intervenant for {service_share:.4f} ({service_ok}/{n}), "
               f"{without_park_ok / n:.4f} ({without_park_ok}/{n}) without the park rule, "
               f"arrondissement (1-4 as one) = recorded for {arr_share:.4f} ({arr_ok}/{n}), "
               f"non-200 answers: {len(failures)}")
    print(summary)
    with capsys.disabled():
        print("\n" + summary)
        print("most frequent service differences (soustype, intervenant, routed):",
              service_misses.most_common(5))
        print("most frequent arrondissement differences (recorded, routed):",
              arr_misses.most_common(5))

    assert not failures, f"{summary}; first failures: {failures[:5]}"
    assert service_share >= MIN_SERVICE_SHARE, \
        f"{summary}; most frequent differences: {service_misses.most_common(10)}"
    assert arr_share >= MIN_ARRONDISSEMENT_SHARE, \
        f"{summary}; most frequent differences: {arr_misses.most_common(10)}"
    assert (without_park_ok, service_ok) == \
        (AGREEING_WITHOUT_PARK_RULE, AGREEING_WITH_PARK_RULE), summary


def test_the_generator_gives_the_shipped_files_and_the_same_figures(tmp_path):
    """tools/gen_reference.py, run again on the same reports, writes the files of geo/ byte
    for byte, and finds the same agreement as routing, parks found with GDAL there and with
    PostGIS here."""
    share = env("DMR_SHARE_DIR")
    p = subprocess.run(["/usr/bin/python3", os.path.join(share, "tools", "gen_reference.py"),
                        "--out", str(tmp_path),
                        os.path.join(env("DMR_SHARED"), "data", "dansmarue_2023-2024_a.csv")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    for name in ("categories.csv", "services.csv", "sectors.csv",
                 "category_area_overrides.csv"):
        with open(os.path.join(share, "geo", name), "rb") as shipped:
            assert (tmp_path / name).read_bytes() == shipped.read(), name
    assert f"majority service: {AGREEING_WITHOUT_PARK_RULE}/19757" in p.stdout, p.stdout
    assert f"park overrides included: {AGREEING_WITH_PARK_RULE}/19757" in p.stdout, p.stdout
