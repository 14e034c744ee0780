#!/usr/bin/python3
"""Regenerate the Paris reference data shipped in geo/: categories, services and sectors.

Why this exists: dmrd needs Dans ma rue's real category tree (10 types and their sub-types,
with their exact French labels), the service that handles each sub-category, and at least
one sector per service. The City publishes none of these as a table, but its open data
reports (opendata.paris.fr, dataset "dans-ma-rue", ODbL 1.0) give for every report its type,
sub-type and the service that actually handled it. This script derives from such an export:

  geo/categories.csv  the tree; a sub-category's service is the one that handled most of its
                      reports (ties: alphabetically first code)
  geo/services.csv    every service code seen (and any still named by a kept category row),
                      with a human name and a kind (SERVICES below)
  geo/sectors.csv     each service's sectors as unions of arrondissements (sector_rows below)
  geo/category_area_overrides.csv
                      the categories that, inside a park, the parks service handles rather
                      than their own service (park_overrides below); the parks are the
                      green spaces of geo/paris_espaces_verts_2021-03.shp.zip of the types
                      PARK_TYPES, read with GDAL (python3-gdal), as dmrctl load-parks does

Category ids are stable: an id already in geo/categories.csv is kept, rows whose label left
the data are kept (old reports still point at them), new labels get the next free id of
their parent's range, and no id is ever reused. The same input gives the same bytes.

Usage, from anywhere:  /usr/bin/python3 tools/gen_reference.py [--out DIR] [REPORTS.csv]
(default REPORTS.csv: ../shared/data/dansmarue_2023-2024_a.csv relative to the repo root;
--out DIR writes the files there instead of geo/, the ids still being read from geo/)
"""

import argparse
import collections
import csv
import os
import sys

from osgeo import ogr

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INPUT = os.path.normpath(
    os.path.join(REPO, "..", "shared", "data", "dansmarue_2023-2024_a.csv"))
GEO = os.path.join(REPO, "geo")

CATEGORY_HEADER = ["id", "parent_id", "label", "service_code", "agent_only"]
SERVICE_HEADER = ["code", "name", "kind"]
SECTOR_HEADER = ["service_code", "code", "name", "arrondissements", "priority",
                 "overrides_category"]
OVERRIDE_HEADER = ["category_id", "area_kind", "service_code", "inside", "handled"]

# The green spaces that are parks, by their type_ev, as src/ctl/load_parks.c keeps them: the
# promenades (parks, squares, gardens), the woods, the cemeteries, the small decorative
# gardens, the shared gardens and the gardens of restricted access; not the wall plantings,
# the decorations of the roads, the verges of the ring road or the grounds of sports venues.
GREEN_SPACES = os.path.join(GEO, "paris_espaces_verts_2021-03.shp.zip")
PARK_TYPES = ["Promenades ouvertes", "Bois", "Cimetières", "Jardinets décoratifs",
              "Ephémères, partagés, pédagogiques", "Jardins privatifs"]
PARKS_SERVICE = "DEVE"
# A category is overridden inside parks when at least OVERRIDE_MIN_INSIDE of its reports lie
# in a park and the parks service handled more than OVERRIDE_MAJORITY of them.
OVERRIDE_MIN_INSIDE = 3
OVERRIDE_MAJORITY = 0.5
GRID_DEG = 0.01  # the cell of the parks' grid index, about 1 km

TOP_STEP = 1000  # top categories are 1000, 2000, ...; their children top+1 .. top+999

# code -> (kind, name). kind: direction (City of Paris direction or one of its units),
# contractor (company under contract with the City), external (body outside the City).
# Where the meaning of an acronym is not known, the name is built from the code, with what
# the service handles in the data in parentheses.
SERVICES = {
    "DAC": ("direction", "Direction des Affaires Culturelles"),
    "DAE": ("direction", "Direction de l'Attractivité et de l'Emploi"),
    "DAJ": ("direction", "Direction des Affaires Juridiques"),
    "DASES": ("direction", "Direction de l'Action Sociale, de l'Enfance et de la Santé"),
    "DCPA": ("direction", "Direction des Constructions Publiques et de l'Architecture"),
    "DEVE": ("direction", "Direction des Espaces Verts et de l'Environnement"),
    "DEVE-SAB": ("direction", "Direction des Espaces Verts et de l'Environnement – "
                              "Service de l'Arbre et des Bois"),
    "DJS": ("direction", "Direction de la Jeunesse et des Sports"),
    "DPE-STEA": ("direction", "Direction de la Propreté et de l'Eau – "
                              "Service technique de l'eau et de l'assainissement"),
    "DPE-STPP-DT": ("direction", "Direction de la Propreté et de l'Eau – "
                                 "propreté, divisions territoriales"),
    "DPE-STPP-Fonctionnelle": ("direction", "Direction de la Propreté et de l'Eau – "
                                            "propreté, unités fonctionnelles"),
    "DPMP-Divisions": ("direction", "Direction de la Police municipale et de la Prévention – "
                                    "divisions territoriales"),
    "DPMP-SCOP": ("direction", "Direction de la Police municipale et de la Prévention – SCOP"),
    "DPMP-UEV": ("direction", "Direction de la Police municipale et de la Prévention – UEV"),
    "DVD": ("direction", "Direction de la Voirie et des Déplacements"),
    "DVD-3M": ("direction", "Direction de la Voirie et des Déplacements – 3M"),
    "SMEP": ("direction", "Service SMEP (potelets, barrières, plaques de rue)"),
    "SUBDI_HORO": ("direction", "Service SUBDI_HORO (horodateurs)"),
    "ALTINNOVA": ("contractor", "Altinnova (abris pour vélos Vélobox)"),
    "CIELIS": ("contractor", "Cielis (éclairage public et feux de signalisation)"),
    "CITEOS": ("contractor", "Citeos"),
    "CLEM": ("contractor", "Clem' (bornes de recharge électrique)"),
    "Corbeilles compactantes": ("contractor", "Prestataire des corbeilles compactantes"),
    "DERICHEBOURG": ("contractor", "Derichebourg (colonnes à verre)"),
    "DOTT": ("contractor", "Dott (véhicules en libre-service)"),
    "EPHYRA": ("contractor", "Ephyra (bouches de lavage et fontaines)"),
    "JCDecaux_mobilier": ("contractor", "JCDecaux – mobilier urbain"),
    "JCDecaux_sanisette": ("contractor", "JCDecaux – sanisettes"),
    "JEI": ("contractor", "Service JEI (journaux électroniques d'information municipaux)"),
    "LIME": ("contractor", "Lime (véhicules en libre-service)"),
    "MUI": ("contractor", "Service MUI (panneaux publicitaires Cityz Media, Clear Channel)"),
    "Marchés découverts alimentaires": ("contractor",
                                        "Gestionnaires des marchés découverts alimentaires"),
    "PAV déchets alimentaires": ("contractor",
                                 "Prestataire des bornes de collecte des déchets alimentaires"),
    "Ramen": ("contractor", "Ramen (enlèvement des encombrants)"),
    "SMOVENGO_velib": ("contractor", "Smovengo (Vélib')"),
    "TEVGO": ("contractor", "Service TEVGO (bornes de recharge Belib')"),
    "THEMIS": ("contractor", "Service THEMIS (épaves de véhicules)"),
    "TIER": ("contractor", "Tier (véhicules en libre-service)"),
    "TRILIB'": ("contractor", "Prestataire des stations Trilib'"),
    "UBEEQO": ("contractor", "Ubeeqo (autopartage)"),
    "UBEEQO_EUROPCAR": ("contractor", "Ubeeqo – Europcar (autopartage)"),
    "graffitis": ("contractor", "Prestataire d'enlèvement des graffitis"),
    "textiles": ("contractor", "Prestataire de collecte des textiles"),
    "ENEDIS": ("external", "Enedis (distribution d'électricité)"),
    "Eau de Paris": ("external", "Eau de Paris"),
    "GRDF": ("external", "GRDF (distribution de gaz)"),
    "Haropa Port": ("external", "HAROPA Port (berges de Seine)"),
    "La Poste": ("external", "La Poste"),
}

# Services organised by arrondissement (plus any whose name says "divisions territoriales"):
# one sector per arrondissement, Paris Centre (1-4) being one. Every other service has one
# city-wide sector.
TERRITORIAL_SERVICES = {"DPE-STPP-DT", "DVD", "DPMP-Divisions", "DEVE"}
PARIS_CENTRE = [1, 2, 3, 4]
ALL_ARRONDISSEMENTS = list(range(1, 21))


Report = collections.namedtuple("Report", "top sub service lon lat")


def read_reports(path):
    """Every report of the export that has a type, soustype and intervenant: those three and
    its position (lon, lat; None when the export has none)."""
    reports, skipped = [], 0
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            triple = (row["type"], row["soustype"], row["intervenant"])
            if all(triple):
                lon, lat = row.get("lon"), row.get("lat")
                reports.append(Report(*triple, float(lon) if lon else None,
                                      float(lat) if lat else None))
            else:
                skipped += 1
    if skipped:
        print(f"warning: {skipped} rows without type, soustype or intervenant skipped",
              file=sys.stderr)
    return reports


def majority_services(reports):
    """(type, soustype) -> the intervenant of most of its reports (ties: first code)."""
    counts = collections.defaultdict(collections.Counter)
    for r in reports:
        counts[(r.top, r.sub)][r.service] += 1
    return {key: min(c.items(), key=lambda item: (-item[1], item[0]))[0]
            for key, c in counts.items()}


def read_existing_categories(path):
    """(parent label or '', label) -> row dict of an existing categories.csv, or {}."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != CATEGORY_HEADER:
            sys.exit(f"{path}: unexpected header {reader.fieldnames}")
        rows = list(reader)
    for row in rows:
        row["id"] = int(row["id"])
    top_labels = {row["id"]: row["label"] for row in rows if not row["parent_id"]}
    existing = {}
    for row in rows:
        parent = top_labels[int(row["parent_id"])] if row["parent_id"] else ""
        existing[(parent, row["label"])] = row
    return existing


def category_rows(majority, existing):
    """All category rows, sorted by id: existing ids kept, new labels given fresh ids."""
    rows = {key: dict(row) for key, row in existing.items()}
    used = {row["id"] for row in rows.values()}

    def next_top_id():
        top_id = (max(used, default=0) // TOP_STEP + 1) * TOP_STEP
        used.add(top_id)
        return top_id

    def next_child_id(top_id):
        child_id = max((i for i in used if top_id < i < top_id + TOP_STEP), default=top_id) + 1
        if child_id >= top_id + TOP_STEP:
            sys.exit(f"no free category id left under {top_id}")
        used.add(child_id)
        return child_id

    tree = collections.defaultdict(dict)
    for (top, sub), service in majority.items():
        tree[top][sub] = service
    for top in sorted(tree):
        if ("", top) not in rows:
            top_id = next_top_id()
            rows[("", top)] = {"id": top_id, "parent_id": "", "label": top,
                               "service_code": "", "agent_only": "false"}
    for top in sorted(tree):
        top_id = rows[("", top)]["id"]
        for sub in sorted(tree[top]):
            row = rows.get((top, sub))
            if row is None:
                row = rows[(top, sub)] = {
                    "id": next_child_id(top_id),
                    "parent_id": str(top_id), "label": sub,
                    "agent_only": "true" if sub.startswith("[") else "false"}
            row["service_code"] = tree[top][sub]
    return sorted(rows.values(), key=lambda row: row["id"])


def service_rows(codes):
    """One row per service code, and the codes that had no entry in SERVICES."""
    unknown = sorted(code for code in codes if code not in SERVICES)
    rows = []
    for code in sorted(codes):
        kind, name = SERVICES.get(code, ("external", f"Service {code}"))
        rows.append({"code": code, "name": name, "kind": kind})
    return rows, unknown


def is_territorial(service):
    return (service["code"] in TERRITORIAL_SERVICES
            or "divisions territoriales" in service["name"])


def sector_rows(services):
    """Each service's sectors as unions of arrondissements (see TERRITORIAL_SERVICES)."""
    rows = []
    for service in services:
        code = service["code"]
        if is_territorial(service):
            sectors = [(f"{code}-CENTRE", f"{code} – Paris Centre", PARIS_CENTRE)]
            sectors += [(f"{code}-{n:02d}", f"{code} – {n}e arrondissement", [n])
                        for n in ALL_ARRONDISSEMENTS if n not in PARIS_CENTRE]
        else:
            sectors = [(f"{code}-PARIS", f"{code} – tout Paris", ALL_ARRONDISSEMENTS)]
        for sector_code, name, arrondissements in sectors:
            rows.append({"service_code": code, "code": sector_code, "name": name,
                         "arrondissements": " ".join(map(str, arrondissements)),
                         "priority": "0", "overrides_category": "false"})
    return rows


class Parks:
    """The park polygons of the green spaces file, with a grid index of their envelopes."""

    def __init__(self, path):
        ogr.UseExceptions()
        source = ogr.Open(f"/vsizip/{os.path.abspath(path)}")
        self.cells = collections.defaultdict(list)
        for feature in source.GetLayer(0):
            if feature.GetField("type_ev") not in PARK_TYPES:
                continue
            geometry = feature.GetGeometryRef().Clone()
            min_x, max_x, min_y, max_y = geometry.GetEnvelope()
            for i in range(int(min_x // GRID_DEG), int(max_x // GRID_DEG) + 1):
                for j in range(int(min_y // GRID_DEG), int(max_y // GRID_DEG) + 1):
                    self.cells[(i, j)].append(geometry)

    def contain(self, lon, lat):
        """Whether a park holds the point (its boundary included, as ST_Intersects)."""
        if lon is None or lat is None:
            return False
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(lon, lat)
        cell = (int(lon // GRID_DEG), int(lat // GRID_DEG))
        return any(park.Intersects(point) for park in self.cells.get(cell, ()))


def park_overrides(reports, inside, majority, category_ids):
    """(type, soustype) -> override row, for the categories whose reports inside parks the
    parks service handled (see OVERRIDE_MIN_INSIDE and OVERRIDE_MAJORITY), unless it is
    already their service."""
    counts = collections.defaultdict(collections.Counter)
    for r, is_inside in zip(reports, inside):
        if is_inside:
            counts[(r.top, r.sub)][r.service] += 1
    overrides = {}
    for key, c in counts.items():
        n, handled = sum(c.values()), c[PARKS_SERVICE]
        if (majority[key] != PARKS_SERVICE and n >= OVERRIDE_MIN_INSIDE
                and handled > OVERRIDE_MAJORITY * n):
            overrides[key] = {"category_id": category_ids[key], "area_kind": "park",
                              "service_code": PARKS_SERVICE, "inside": n, "handled": handled}
    return overrides


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def handled_as_routed(reports, majority, inside, overrides):
    """How many reports were handled by the service routing gives them: their sub-category's
    majority service, or inside a park the service of the category's park override."""
    handled = 0
    for r, is_inside in zip(reports, inside):
        key = (r.top, r.sub)
        routed = overrides[key]["service_code"] if is_inside and key in overrides \
            else majority[key]
        handled += routed == r.service
    return handled


def share(count, total):
    return f"{count}/{total} = {100 * count / total:.2f}%"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=GEO, help="folder the files are written to")
    parser.add_argument("reports", nargs="?", default=DEFAULT_INPUT, help="REPORTS.csv")
    args = parser.parse_args()
    source = args.reports
    reports = read_reports(source)
    majority = majority_services(reports)

    categories_path = os.path.join(GEO, "categories.csv")
    categories = category_rows(majority, read_existing_categories(categories_path))
    # every intervenant of the data, plus the services of kept rows that left the data
    codes = {r.service for r in reports}
    codes |= {row["service_code"] for row in categories if row["service_code"]}
    services, unknown = service_rows(codes)
    sectors = sector_rows(services)
    if len({sector["code"] for sector in sectors}) != len(sectors):
        sys.exit("two sectors share a code")
    if unknown:
        print("warning: services not in the SERVICES mapping (named 'Service CODE', kind "
              "external): " + ", ".join(unknown), file=sys.stderr)

    top_labels = {row["id"]: row["label"] for row in categories if not row["parent_id"]}
    category_ids = {(top_labels[int(row["parent_id"])], row["label"]): row["id"]
                    for row in categories if row["parent_id"]}
    parks = Parks(GREEN_SPACES)
    inside = [parks.contain(r.lon, r.lat) for r in reports]
    overrides = park_overrides(reports, inside, majority, category_ids)

    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, "categories.csv"), CATEGORY_HEADER, categories)
    write_csv(os.path.join(args.out, "services.csv"), SERVICE_HEADER, services)
    write_csv(os.path.join(args.out, "sectors.csv"), SECTOR_HEADER, sectors)
    write_csv(os.path.join(args.out, "category_area_overrides.csv"), OVERRIDE_HEADER,
              sorted(overrides.values(), key=lambda row: (row["category_id"], row["area_kind"])))

    tops = sum(1 for row in categories if not row["parent_id"])
    print(f"{len(reports)} reports read from {source}")
    print(f"categories.csv: {tops} top categories, {len(categories) - tops} sub-categories "
          f"({len(majority)} in this data)")
    print(f"services.csv: {len(services)} services; sectors.csv: {len(sectors)} sectors")
    print(f"category_area_overrides.csv: {len(overrides)} categories go to {PARKS_SERVICE} "
          f"inside parks ({sum(inside)} reports inside a park)")
    print("reports handled by their sub-category's majority service: "
          + share(handled_as_routed(reports, majority, inside, {}), len(reports)))
    print("reports handled by the service routing gives them, park overrides included: "
          + share(handled_as_routed(reports, majority, inside, overrides), len(reports)))


if __name__ == "__main__":
    main()
