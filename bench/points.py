#!/usr/bin/env python3
"""Real positions for the benchmarks: one line "lon<TAB>lat<TAB>category_id" per CSV report.

usage: points.py REPORTS.csv CATEGORIES.json > points.tsv

REPORTS.csv is a Dans ma rue open-data extract (columns type, soustype, lon, lat);
CATEGORIES.json is the answer of GET /api/v1/categories. A report keeps its own
sub-category when its (type, soustype) labels name a public one; otherwise (agent-only
or unknown sub-category) it gets a public sub-category of the same type, or, failing
that, any public one, chosen deterministically from its row number.
"""
import csv
import json
import math
import sys


def main():
    reports_csv, categories_json = sys.argv[1], sys.argv[2]
    with open(categories_json, encoding="utf-8") as f:
        tree = json.load(f)["categories"]

    by_labels = {}   # (type label, sub-type label) -> id
    by_type = {}     # type label -> [ids]
    public = []
    for top in tree:
        for child in top.get("children", []):
            if child["agent_only"]:
                continue
            by_labels[(top["label"], child["label"])] = child["id"]
            by_type.setdefault(top["label"], []).append(child["id"])
            public.append(child["id"])
    if not public:
        sys.exit("points.py: no public sub-category in " + categories_json)

    out = sys.stdout
    kept = matched = 0
    with open(reports_csv, newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f)):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except (KeyError, ValueError):
                continue
            if not (math.isfinite(lon) and math.isfinite(lat)):
                continue
            cat = by_labels.get((row.get("type"), row.get("soustype")))
            if cat is None:
                same_type = by_type.get(row.get("type")) or public
                cat = same_type[n % len(same_type)]
            else:
                matched += 1
            out.write(f"{lon:.7f}\t{lat:.7f}\t{cat}\n")
            kept += 1
    print(f"points.py: {kept} positions, {matched} with their own public sub-category",
          file=sys.stderr)


if __name__ == "__main__":
    main()
