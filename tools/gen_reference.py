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

Category ids are stable: an id already in geo/categories.csv is kept, rows whose label left
the data are kept (old reports still point at them), new labels get the next free id of
their parent's range, and no id is ever reused. The same input gives the same bytes.

Usage, from anywhere:  /usr/bin/python3 tools/gen_reference.py [REPORTS.csv]
(default REPORTS.csv: ../shared/data/dansmarue_2023-2024_a.csv relative to the repo root)
"""

import collections
import csv
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INPUT = os.path.normpath(
    os.path.join(REPO, "..", "shared", "data", "dansmarue_2023-2024_a.csv"))
GEO = os.path.join(REPO, "geo")

CATEGORY_HEADER = ["id", "parent_id", "label", "service_code", "agent_only"]
SERVICE_HEADER = ["code", "name", "kind"]
SECTOR_HEADER = ["service_code", "code", "name", "arrondissements", "priority",
                 "overrides_category"]

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


def read_reports(path):
    """(type, soustype, intervenant) of every report of the export that has all three."""
    reports, skipped = [], 0
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            triple = (row["type"], row["soustype"], row["intervenant"])
            if all(triple):
                reports.append(triple)
            else:
                skipped += 1
    if skipped:
        print(f"warning: {skipped} rows without type, soustype or intervenant skipped",
              file=sys.stderr)
    return reports


def majority_services(reports):
    """(type, soustype) -> the intervenant of most of its reports (ties: first code)."""
    counts = collections.defaultdict(collections.Counter)
    for top, sub, service in reports:
        counts[(top, sub)][service] += 1
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


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def share_handled_by_majority(reports, majority):
    """How many reports were handled by their sub-category's majority service."""
    return sum(1 for top, sub, service in reports if majority[(top, sub)] == service)


def main():
    if len(sys.argv) > 2:
        sys.exit(__doc__)
    source = sys.argv[1] if len(sys.argv) == 2 else DEFAULT_INPUT
    reports = read_reports(source)
    majority = majority_services(reports)

    categories_path = os.path.join(GEO, "categories.csv")
    categories = category_rows(majority, read_existing_categories(categories_path))
    # every intervenant of the data, plus the services of kept rows that left the data
    codes = {service for _, _, service in reports}
    codes |= {row["service_code"] for row in categories if row["service_code"]}
    services, unknown = service_rows(codes)
    sectors = sector_rows(services)
    if len({sector["code"] for sector in sectors}) != len(sectors):
        sys.exit("two sectors share a code")
    if unknown:
        print("warning: services not in the SERVICES mapping (named 'Service CODE', kind "
              "external): " + ", ".join(unknown), file=sys.stderr)

    write_csv(categories_path, CATEGORY_HEADER, categories)
    write_csv(os.path.join(GEO, "services.csv"), SERVICE_HEADER, services)
    write_csv(os.path.join(GEO, "sectors.csv"), SECTOR_HEADER, sectors)

    tops = sum(1 for row in categories if not row["parent_id"])
    print(f"{len(reports)} reports read from {source}")
    print(f"categories.csv: {tops} top categories, {len(categories) - tops} sub-categories "
          f"({len(majority)} in this data)")
    print(f"services.csv: {len(services)} services; sectors.csv: {len(sectors)} sectors")
    handled = share_handled_by_majority(reports, majority)
    print(f"reports handled by their sub-category's majority service: {handled}/"
          f"{len(reports)} = {100 * handled / len(reports):.2f}%")


if __name__ == "__main__":
    main()
