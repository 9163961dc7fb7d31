"""A sample SSDA903 return to download from the import page: the episodes file and the header
file, laid out with the importer's own columns, that the importer accepts as they are.

Nothing in it is about a real child: the ids are invented ("SAMPLE-0001"; the portal hashes
them into its own pseudonymous references on import), the postcodes are in the demo region's
districts, and the dates are counted back from the day it is downloaded so every row is in the
past and every code is valid in its episode's collection year.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from domain import ssda903
from portal.imports.ssda903 import EPISODE_COLUMNS, HEADER_OPTIONAL, HEADER_REQUIRED

HEADER_COLUMNS = (*HEADER_REQUIRED, *HEADER_OPTIONAL[:1])  # CHILD, SEX, DOB, UASC


def _day(value: date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"  # the return's own dd/mm/yyyy


def _episode(child: str, start: date, place: str, provider: str, *, rne: str = "S",
             end: date | None = None, rec: str = "", change: str = "",
             placement: str = "DT2 9PS", urn: str = ssda903.URN_PLACEHOLDER) -> dict[str, str]:
    return {"CHILD": child, "DECOM": _day(start), "RNE": rne, "LS": "C2", "CIN": "N1",
            "PLACE": place, "PLACE_PROVIDER": provider, "DEC": _day(end), "REC": rec,
            "REASON_PLACE_CHANGE": change, "HOME_POST": "DT1 1AB", "PL_POST": placement,
            "URN": urn}


def sample_rows(today: date) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Episodes and header rows for three invented children: one moved from a children's home
    to in-house foster care, one with an independent fostering agency, one returned home."""
    first, moved = today - timedelta(days=400), today - timedelta(days=150)
    episodes = [
        _episode("SAMPLE-0001", first, "K2", "PR4", end=moved, rec=ssda903.CONTINUING,
                 placement="TN23 1AA", urn="SC123456"),
        _episode("SAMPLE-0001", moved, "U4", "PR1", rne="P", change="CARPL"),
        _episode("SAMPLE-0002", today - timedelta(days=90), "U6", "PR4", placement="EX4 3SR"),
        _episode("SAMPLE-0003", today - timedelta(days=300), "P1", "PR0",
                 end=today - timedelta(days=30), rec="E4A", placement="DT1 1AB"),
    ]
    header = [
        {"CHILD": "SAMPLE-0001", "SEX": "1", "DOB": _day(today.replace(day=1) - timedelta(
            days=365 * 12)), "UASC": "0"},
        {"CHILD": "SAMPLE-0002", "SEX": "2", "DOB": _day(today.replace(day=1) - timedelta(
            days=365 * 9)), "UASC": "0"},
        {"CHILD": "SAMPLE-0003", "SEX": "1", "DOB": _day(today.replace(day=1) - timedelta(
            days=365 * 16)), "UASC": "1"},
    ]
    return episodes, header


def as_csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def sample_file(which: str, today: date) -> str:
    """``episodes`` or ``header``: the file's text, columns in the importer's own order."""
    episodes, header = sample_rows(today)
    if which == "episodes":
        return as_csv(episodes, EPISODE_COLUMNS)
    return as_csv(header, HEADER_COLUMNS)
