"""Routing against reality: every report of $DMR_SHARED/data/dansmarue_2023-2024_a.csv goes
through GET /api/v1/route, and the service and arrondissement chosen are compared with the
service that really handled it and the arrondissement recorded."""

import csv
import os
import threading
import time
from collections import Counter

from harness import API, env

THREADS = 4
MIN_SERVICE_SHARE = 0.985
MIN_ARRONDISSEMENT_SHARE = 0.995


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

    ids = {}
    for top in categories:
        for child in top["children"]:
            ids[(top["label"], child["label"])] = child["id"]
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
    service_ok = arr_ok = 0
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
        if centre(r.body["arrondissement"]) == centre(int(row["arrondissement"])):
            arr_ok += 1
        else:
            arr_misses[(int(row["arrondissement"]), r.body["arrondissement"])] += 1

    n = len(rows)
    service_share = service_ok / n
    arr_share = arr_ok / n
    summary = (f"routing of {n} real reports in {elapsed:.1f} s ({n / elapsed:.0f}/s): "
               f"service = intervenant for {service_share:.4f} ({service_ok}/{n}), "
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
