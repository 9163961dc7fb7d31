"""The demo region's Ofsted register: a small sample file in Ofsted's published column layout.

``ofsted_register.csv`` (beside this module) holds one row per registration of the demo
directory: each children's home, supported accommodation service, short-break home and family
centre under its own URN, and each fostering agency under the agency's URN (its offices carry
none). Two more rows are homes of demo providers that the directory does not hold yet, so an
administrator importing the file sees candidate new settings. Every name is the demo's own
(invented: see :mod:`portal.demo.region`); judgements are spread roughly as Ofsted's are for
children's homes (about 15% outstanding, 60% good, 20% requires improvement, 5% inadequate),
fixed by each URN's hash so the file is the same every time it is made.

``python -m portal.demo.ofsted`` writes the file again from :func:`sample_text`; a test checks
the shipped file is what it writes. The demo loader imports it through the same use case as
the upload page and the command line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from datetime import date, timedelta
from pathlib import Path

from domain.actor import Actor
from portal.demo import region
from portal.demo.supply import COUNCIL_HOMES
from portal.imports.ofsted import COLUMNS, RowChecker, register_rows

SAMPLE = Path(__file__).with_name("ofsted_register.csv")
FILE_NAME = "ofsted_register.csv"
# Ofsted's provider type and subtype for each kind of setting.
TYPES = {
    "childrens_home": ("Children's home", "Children's home"),
    "short_breaks": ("Children's home", "Children's home providing short breaks only"),
    "parent_and_child": ("Residential family centre", "Residential family centre"),
    "supported_accommodation": ("Supported accommodation", "Supported accommodation"),
    "independent_fostering_agency": ("Independent fostering agency",
                                     "Independent fostering agency"),
}
# Ofsted's region of each demo authority (a column Ofsted publishes and the portal ignores).
OFSTED_REGIONS = {"838": "South West", "878": "South West", "879": "South West",
                  "880": "South West", "933": "South West", "886": "South East",
                  "851": "South East", "938": "South East"}
# Homes of demo providers that are not in the directory yet: (URN, provider, name, type, LA,
# places).
NOT_IN_DIRECTORY = (
    ("SC899001", "Moorlark Homes Ltd", "Sorrel Barn", "childrens_home", "838", 3),
    ("SC899002", "Fledgewing Housing Trust", "Teasel Court", "supported_accommodation", "886",
     6),
)
# The judgement codes, by the URN's hash out of 100.
BANDS = ((15, "1"), (75, "2"), (95, "3"), (100, "4"))
LATEST_INSPECTION = date(2026, 6, 30)  # every inspection is on or before this day


def _hash(urn: str) -> int:
    return int.from_bytes(hashlib.sha256(urn.encode()).digest()[:4], "big")


def _judgement(urn: str) -> str:
    share = _hash(urn) % 100
    return next(code for limit, code in BANDS if share < limit)


def _row(urn: str, owner: str, name: str, setting_type: str, la_code: str,
         places: int | None) -> dict[str, str]:
    h = _hash(urn)
    authority = next(a for a in region.AUTHORITIES if a.la_code == la_code)
    supported = setting_type == "supported_accommodation"
    registered = (date(2024, 4, 1) + timedelta(days=h % 300) if supported
                  else date(2006, 1, 1) + timedelta(days=h % 6000))
    inspected = LATEST_INSPECTION - timedelta(days=(h >> 8) % 420)
    published = inspected + timedelta(days=21 + (h >> 16) % 14)
    provider_type, subtype = TYPES[setting_type]
    return {COLUMNS["urn"]: urn, COLUMNS["provider_type"]: provider_type,
            COLUMNS["provider_subtype"]: subtype, COLUMNS["setting_name"]: name,
            COLUMNS["registration_status"]: "Active",
            COLUMNS["registration_date"]: f"{registered:%d/%m/%Y}",
            COLUMNS["local_authority"]: authority.name,
            "Region": OFSTED_REGIONS[la_code],
            COLUMNS["places"]: "" if places is None else str(places),
            COLUMNS["owner"]: owner,
            COLUMNS["inspection_date"]: f"{inspected:%d/%m/%Y}",
            COLUMNS["publication_date"]: f"{published:%d/%m/%Y}",
            COLUMNS["judgement"]: _judgement(urn)}


def sample_rows() -> list[dict[str, str]]:
    rows = []
    for provider in region.PROVIDERS:
        if provider.ofsted_urn is not None:
            offices = [s for s in provider.settings if s.ofsted_urn is None]
            home = offices[0] if offices else provider.settings[0]
            rows.append(_row(provider.ofsted_urn, provider.name, provider.name,
                             "independent_fostering_agency", home.host_la_code, None))
        for setting in provider.settings:
            if setting.ofsted_urn is not None:
                rows.append(_row(setting.ofsted_urn, provider.name, setting.name,
                                 setting.setting_type, setting.host_la_code,
                                 setting.registered_places))
    for home in COUNCIL_HOMES:  # the councils' own registered homes
        if home.urn is not None:
            council = next(a.name for a in region.AUTHORITIES if a.la_code == home.la_code)
            rows.append(_row(home.urn, f"{council} Council", home.name, "childrens_home",
                             home.la_code, home.places))
    for urn, owner, name, setting_type, la_code, places in NOT_IN_DIRECTORY:
        rows.append(_row(urn, owner, name, setting_type, la_code, places))
    return sorted(rows, key=lambda r: r[COLUMNS["urn"]])


def sample_text() -> str:
    columns = [COLUMNS[k] for k in ("urn", "provider_type", "provider_subtype", "setting_name",
                                    "registration_status", "registration_date",
                                    "local_authority")]
    columns += ["Region", COLUMNS["places"], COLUMNS["owner"], COLUMNS["inspection_date"],
                COLUMNS["publication_date"], COLUMNS["judgement"]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sample_rows())
    return out.getvalue()


def load_ofsted_sample(portal, today: date) -> int | None:
    """Import the sample register for the settings of the demo directory; returns the
    position of the last event stored (None: it was all imported before)."""
    from portal.imports.files import inspect

    file = inspect(SAMPLE, FILE_NAME, "register file")
    checker = RowChecker(max(today, LATEST_INSPECTION + timedelta(days=60)))
    carried = {p.ofsted_urn for p in region.PROVIDERS if p.ofsted_urn} | {
        s.ofsted_urn for p in region.PROVIDERS for s in p.settings if s.ofsted_urn} | {
        h.urn for h in COUNCIL_HOMES if h.urn}
    entries = []
    for line, values in register_rows(file):
        entry, problems = checker.check(line, values)
        if problems:
            raise ValueError(f"The demo's Ofsted sample is broken: {problems}")
        if entry.urn in carried:
            entries.append(entry)
    done = portal.import_ofsted_register(
        Actor.system(), entries=entries, open_vacancies={},
        reason=f"Ofsted register import {FILE_NAME} ({file.sha256[:12]})")
    return done.position if done.registrations_changed else None


if __name__ == "__main__":
    SAMPLE.write_text(sample_text(), encoding="utf-8")
    sys.stdout.write(f"Wrote {SAMPLE}\n")
