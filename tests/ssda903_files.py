"""SSDA903 files made in code for tests and benchmarks (no public sample data is copied).

Child ids, dates and postcodes are invented: ids look like a council's ("IMP0000123"), the
postcodes are in districts of the demo region.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

from portal.imports.ssda903 import EPISODE_COLUMNS

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
HOME_POSTCODES = ("DT1 1AB", "DT4 7QX", "BH15 2RT", "ME14 1XX", "CT1 2EH", "PL1 3DH")
PLACEMENT_POSTCODES = ("DT2 9PS", "TN23 1AA", "EX4 3SR", "BS1 4DJ", "SO14 7DU", "PL4 8AA")


def d(day: date | None) -> str:
    return "" if day is None else f"{day:%d/%m/%Y}"


def episode(child: str, start: date, *, end: date | None = None, rec: str = "",
            rne: str = "S", ls: str = "C2", cin: str = "N1", place: str = "U4",
            provider: str = "PR1", rpc: str = "", home: str = "DT1 1AB",
            placement: str = "DT2 9PS", urn: str = "SC123456") -> dict[str, str]:
    return {"CHILD": child, "DECOM": d(start), "RNE": rne, "LS": ls, "CIN": cin,
            "PLACE": place, "PLACE_PROVIDER": provider, "DEC": d(end), "REC": rec,
            "REASON_PLACE_CHANGE": rpc, "HOME_POST": home, "PL_POST": placement, "URN": urn}


def header(child: str, born: date, sex: str = "1", **extra: str) -> dict[str, str]:
    return {"CHILD": child, "SEX": sex, "DOB": d(born), "ETHNIC": "WBRI", "UPN": "",
            "MOTHER": "", "MC_DOB": "", **extra}


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] | None = None
             ) -> str:
    if columns is None:  # every column any row has, in the order first seen
        columns = list(dict.fromkeys(k for row in rows for k in row)) or list(EPISODE_COLUMNS)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(path: Path, rows: list[dict[str, str]], columns=None, encoding: str = "utf-8"
          ) -> Path:
    path.write_bytes(csv_text(rows, columns).encode(encoding))
    return path


def synthetic_return(children: int, seed: int = 903, today: date = date(2026, 11, 23),
                     prefix: str = "SYN") -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Episodes (1 to 9 per child, about 5 on average) and header rows that the importer
    accepts: each child's episodes follow one another (X1 between them), the last one open or
    ceased."""
    rng = random.Random(seed)
    episodes: list[dict[str, str]] = []
    headers: list[dict[str, str]] = []
    for number in range(children):
        child = f"{prefix}{number:07d}"
        born = date(2006, 1, 1) + timedelta(days=rng.randrange(0, 365 * 14))
        headers.append(header(child, born, sex=rng.choice("12")))
        start = max(born, date(2019, 4, 1)) + timedelta(days=rng.randrange(0, 700))
        home = rng.choice(HOME_POSTCODES)
        count = rng.randint(1, 9)
        for index in range(count):
            place, provider = rng.choice((("U4", "PR1"), ("U6", "PR4"), ("K2", "PR4"),
                                          ("U1", "PR1"), ("K2", "PR1"), ("H5", "PR4")))
            if start.year >= 2025 and place == "H5":
                place = "K3"
            end: date | None = start + timedelta(days=rng.randrange(20, 200))
            if end >= today or (index == count - 1 and rng.random() < 0.5):
                end, rec = None, ""  # still in this placement
            else:
                rec = "X1" if index < count - 1 else "E13"
            episodes.append(episode(
                child, start, end=end, rec=rec, rne="S" if index == 0 else "P", place=place,
                provider=provider, rpc="" if index == 0 else "CARPL", home=home,
                placement=rng.choice(PLACEMENT_POSTCODES),
                urn="XXXXXXX" if place == "U1" else f"SC{rng.randrange(100000, 999999)}"))
            if end is None or rec != "X1":
                break
            start = end
    return episodes, headers


# --- running the importer in tests -------------------------------------------------------------

AUTHORITIES = (("838", "E06000059", "Dorset"), ("886", "E10000016", "Kent"))


def register_authorities(portal) -> None:
    from domain.actor import Actor

    for la, ons, name in AUTHORITIES:
        portal.register_authority(Actor.system(), la_code=la, ons_code=ons, name=name,
                                  population_0_17=60_000, partnerships=["South"],
                                  key_decision_threshold=500_000)


def import_files(svc, episodes: Path, headers: Path | None = None, la: str = "838",
                 actor=None):
    from domain.actor import Actor
    from portal.imports.run import Upload, run_ssda903_import

    return run_ssda903_import(
        svc, authority_id=svc.portal.get_authority(la).id, actor=actor or Actor.system(),
        episodes=Upload(episodes, episodes.name),
        header=Upload(headers, headers.name) if headers else None)
