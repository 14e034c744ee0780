#!/usr/bin/env python3
"""What a person types in an address field, for bench/run's address search: every recorded
address of the CSV cut at every length from 3 characters ("26 ", "26 R", ... "26 Rue de la
Lune, 75002 PARIS").

usage: prefixes.py REPORTS.csv PREFIXES.tsv PATHS.lua

Writes PREFIXES.tsv, "i<TAB>q" lines for COPY (text format), and PATHS.lua, a Lua array of
the matching GET /api/v1/addresses?q=... paths (URL-encoded) in the same order, for wrk.
"""
import csv
import sys
import urllib.parse


def copy_text(value):
    """A value in COPY's text format."""
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def main():
    reports_csv, tsv_path, lua_path = sys.argv[1:4]
    with open(reports_csv, encoding="utf-8", newline="") as f:
        addresses = [row["adresse"] for row in csv.DictReader(f) if row["adresse"]]
    with open(tsv_path, "w", encoding="utf-8") as tsv, \
            open(lua_path, "w", encoding="utf-8") as lua:
        lua.write("return {\n")
        i = 0
        for address in addresses:
            for end in range(3, len(address) + 1):
                q = address[:end]
                i += 1
                tsv.write(f"{i}\t{copy_text(q)}\n")
                lua.write(f'"/api/v1/addresses?q={urllib.parse.quote(q, safe="")}",\n')
        lua.write("}\n")
    print(i)


if __name__ == "__main__":
    main()
