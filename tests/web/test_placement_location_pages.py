"""One answer to "where is this child placed" through the real pages: for the same child, the
child's page, the list of children and its "where" filter, the Placements Data Standard CSV and
the authority's dashboard agree, for a placement named only by the Ofsted URN of a setting in
the directory, one at a Dorset postcode, one in another county and one the portal cannot place.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import html5lib
import sqlalchemy as sa

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from projections.directory import organisations, settings
from tests.conftest import account_for
from tests.web.test_sufficiency_pages import EARLY, cell, page_tables

NS = "{http://www.w3.org/1999/xhtml}"
DORSET = authority_id("838")
STARTED, ENDED = date(2015, 5, 13), date(2015, 12, 1)
WINDOW = ("status=all&started_from-day=13&started_from-month=5&started_from-year=2015"
          "&started_to-day=13&started_to-month=5&started_to-year=2015")
OUT_OF_AREA = ("Placed inside the authority's area", "Placed outside the area",
               "Where placed not known")


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def a_dorset_setting(services) -> dict:
    """A setting in the demo directory hosted by Dorset, with its Ofsted URN and provider."""
    provider = organisations.alias("provider")
    with services.engine.connect() as c:
        return dict(c.execute(
            sa.select(settings.c.name, settings.c.ofsted_urn, settings.c.postcode_district,
                      provider.c.name.label("provider"))
            .join(provider, provider.c.id == settings.c.provider_id)
            .where(settings.c.host_authority_id == DORSET, settings.c.ofsted_urn.is_not(None),
                   settings.c.ofsted_urn.in_(
                       sa.select(settings.c.ofsted_urn).group_by(settings.c.ofsted_urn)
                       .having(sa.func.count() == 1)))
            .order_by(settings.c.name).limit(1)).mappings().one())


def place_children(app, children: dict[str, dict]) -> dict[str, str]:
    """Start and end a placement of Dorset's for each child; their references by name."""
    services = app.extensions["portal"]
    officer = account_for("council_officer", "Dorset")
    actor = Actor(user_id=account_id(officer.email), organisation_id=DORSET)
    refs = {}
    for name, terms in children.items():
        ref = refs[name] = services.child_refs.reference("838", f"where-{name}")
        services.portal.start_placement(
            actor, authority_id=DORSET, child_ref=ref, birth_month="2004-01", sex="1",
            uasc=False, on=STARTED, terms={"legal_status": "C2", "place": "K2",
                                           "place_provider": "PR4", **terms})
        services.portal.end_placement(actor, DORSET, ref, on=ENDED, rec="E13")
    services.projections.catch_up()
    return refs


def listed(client, area: str | None = None) -> dict[str, tuple[str, str]]:
    """The list's rows (child reference -> provider and setting, where) for the window."""
    query = WINDOW + (f"&area={area}" if area else "")
    document = html5lib.parse(client.get(f"/placements/?{query}").get_data(as_text=True))
    rows = {}
    for row in document.iter(f"{NS}tr"):
        cells = [text(c) for c in row if c.tag == f"{NS}td"]
        if cells:
            rows[cells[0][:13]] = (cells[2], cells[3])  # a reference is 13 characters
    return rows


def child_page(client, ref: str) -> dict[str, str]:
    """The latest episode's summary on the child's page, key -> value."""
    document = html5lib.parse(client.get(f"/placements/children/{ref}").get_data(as_text=True))
    cards = [card for card in document.iter(f"{NS}dl")]
    return {text(row.find(f"{NS}dt")): text(row.find(f"{NS}dd"))
            for row in cards[-1] if row.find(f"{NS}dt") is not None}


def exported(client) -> dict[str, dict]:
    body = client.get("/placements/export/placements-standard.csv").get_data(as_text=True)
    return {r["childId"]: r for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}


def out_of_area(client) -> tuple[int, ...]:
    tables = page_tables(client.get(f"/sufficiency/authorities/838?{EARLY}")
                         .get_data(as_text=True))
    return tuple(int(cell(tables, "placed-out-of-area-table", "Dorset: all children", column)
                     .replace(",", "")) for column in OUT_OF_AREA)


def test_the_childs_page_list_filters_csv_and_dashboard_agree(client, app):
    setting = a_dorset_setting(app.extensions["portal"])
    client.sign_in(account_for("council_officer", "Dorset"))
    before = out_of_area(client)
    refs = place_children(app, {
        "urn": {"urn": setting["ofsted_urn"]},
        "dorset": {"placement_postcode": "DT1 1"},
        "cornwall": {"placement_postcode": "TR1 1"},
        "nowhere": {"urn": "SC999999", "placement_postcode": "ZZ9 9"},
    })
    after = out_of_area(client)
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (2, 1, 1)

    everyone = listed(client)
    by_area = {area: listed(client, area) for area in ("in", "out", "unknown")}
    records = exported(client)
    expected = {
        "urn": ("in", f"{setting['name']}, {setting['provider']}",
                "Inside our area (Dorset)",
                (setting["postcode_district"], setting["ofsted_urn"])),
        "dorset": ("in", "Not in the directory", "Inside our area (Dorset)", ("DT1", "")),
        "cornwall": ("out", "Not in the directory", "Outside our area (Cornwall)",
                     ("TR1", "")),
        "nowhere": ("unknown", "Not in the directory", "Area not known",
                    ("ZZ9", "SC999999")),
    }
    for name, (area, where_from, where, export) in expected.items():
        ref = refs[name]
        # The list's filter puts the child under exactly one answer, the list's own.
        assert [a for a, rows in by_area.items() if ref in rows] == [area], name
        provider_cell, where_cell = everyone[ref]
        assert provider_cell == where_from and where_cell.startswith(where), name
        page = child_page(client, ref)
        assert page["Provider and setting"].startswith(where_from), name
        assert page["Where"] == where, name
        record = records[ref]
        assert (record["placementLocation"], record["providerURN"]) == export, name
    # What could not be placed is said the same way on the list and the child's page.
    notes = ("Ofsted URN SC999999 is not a setting in the directory. "
             "Postcode district ZZ9 is not in the postcode directory")
    assert child_page(client, refs["nowhere"])["Not known"] == notes
    assert all(part in everyone[refs["nowhere"]][1] for part in notes.split(". "))
    assert "Not known" not in child_page(client, refs["urn"])
