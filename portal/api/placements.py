"""Placements through the API: a council's system starts, changes and ends its own children's
placements and lists them, through the same commands and choices as the placement pages: a
placement outside the authority's area carries whether it is planned or an emergency and the
approval the regulations require (regulation 11), as the pages' out-of-area fields do.

A child is named by the portal's pseudonymous reference; the council's own id for the child is
accepted only in the body that starts a placement, hashed at once, and never stored or echoed.
"""

from __future__ import annotations

from flask import g, url_for

from domain.errors import DomainError
from portal import placement_forms as pf
from portal.api.access import (
    api_requires,
    decode_cursor,
    etag,
    expected_version,
    idempotent,
    json_body,
    page_of,
    query,
)
from portal.api.blueprint import bp, respond
from portal.api.problems import ApiProblem
from portal.api.read_back import read_written
from portal.api.schemas import (
    PlacementChangeIn,
    PlacementEndIn,
    PlacementIn,
    PlacementOut,
    PlacementPage,
    PlacementsQuery,
)
from portal.api.spec import links_to, operation
from portal.forms import FormResult
from portal.security import services
from projections.placement_queries import child_timeline, children_after, own_authority

ONE = {200: ("The child's placement record", PlacementOut)}
TAGGED = {"ETag": "The record's version, for If-Match"}
# After a child's record is read or changed: read it, change or end the placement (ETag).
LINKS = links_to("child_ref", "$response.body#/child_ref", "placement",
                 versioned=("change_placement", "end_placement"))


def _timeline(child_ref: str) -> dict:
    """One of the client's authority's children (404 for another's, as for a missing one)."""
    with services().engine.connect() as c:
        return child_timeline(g.principal, c, child_ref)


def _answer(child_ref: str, position: int | None = None, status: int = 200, *,
            shows=None):
    address = url_for("api.placement", child_ref=child_ref)
    # Named "the child's placement record": a problem never repeats the child's reference.
    # A placement command takes no id from the Idempotency-Key: its retry would be refused
    # (the placement has moved on), so the client is told to read the record instead.
    timeline = read_written(position, lambda: _timeline(child_ref),
                            what="child's placement record", location=address, shows=shows,
                            again=False)
    version = services().portal.get_placement(
        g.principal.actor, g.principal.organisation_id, child_ref).version
    record = {**timeline["child"], "open": timeline["open"], "version": version,
              "episodes": timeline["episodes"]}
    headers = {"ETag": etag(version)}
    if status == 201:
        headers["Location"] = address
    return respond(PlacementOut(), record, status, headers)


def _terms(data: dict, change: bool = False) -> dict:
    """The command's terms, with the choices checked as the pages check them (a provider,
    setting, area or contract not on offer is a field error)."""
    form = FormResult(data=data)
    with services().engine.connect() as c:
        options = pf.choices(g.principal, c, data["provider"])
    terms = pf.change_terms(form, options) if change else pf.terms_from(data, form, options)
    if form.errors:
        raise ApiProblem("invalid-body", "Correct the fields listed in 'errors'.", errors=[
            {"field": name, "message": message} for name, message in form.errors.items()])
    return terms


def _child_ref(child_id: str) -> str:
    with services().engine.connect() as c:
        la_code = own_authority(g.principal, c)["la_code"]
    try:
        return services().child_refs.reference(la_code, child_id)
    except DomainError as error:
        raise ApiProblem("invalid-body", error.message, errors=[
            {"field": "child_id", "message": error.message}]) from None


@bp.get("/placements")
@api_requires("placements.view")
@operation(summary="List your authority's children and their latest placement, in pages",
           query=PlacementsQuery, responses={200: ("A page of children", PlacementPage)},
           tag="placements")
def placements():
    args = query(PlacementsQuery())
    with services().engine.connect() as c:
        rows = children_after(g.principal, c, status=args["status"], limit=args["limit"],
                              after=decode_cursor(args["cursor"]))
    return respond(PlacementPage(), page_of(rows, args["limit"], lambda row: row["child_ref"]))


@bp.post("/placements")
@api_requires("placements.manage")
@operation(summary="Start a placement: a child's first, or a new period of care",
           body=PlacementIn, idempotent=True, stored_unreadable=True, tag="placements", headers={
               **TAGGED, "Location": "The child's record's address"},
           responses={201: ("The child's placement record", PlacementOut)}, links=LINKS)
@idempotent
def start_placement():
    data = json_body(PlacementIn())
    child_ref = _child_ref(data["child_id"])
    _, position = services().portal.start_placement(
        g.principal.actor, authority_id=g.principal.organisation_id, child_ref=child_ref,
        birth_month=data["birth_month"], sex=data["sex"], uasc=data["uasc"],
        on=data["start"], terms=_terms(data), reason=data["reason"], urgency=data["urgency"],
        approval=data["approval"])
    # A child placed before has a record already: the answer must show the new placement open.
    return _answer(child_ref, position, 201, shows=lambda timeline: timeline["open"])


@bp.get("/placements/<child_ref:child_ref>")
@api_requires("placements.view")
@operation(summary="A child's placement record: every episode", responses=ONE,
           headers=TAGGED, tag="placements", links=LINKS)
def placement(child_ref: str):
    return _answer(child_ref)


@bp.post("/placements/<child_ref:child_ref>/changes")
@api_requires("placements.manage")
@operation(summary="Change a child's placement from a date (a new episode)",
           body=PlacementChangeIn, if_match="required", idempotent=True, responses=ONE,
           headers=TAGGED, tag="placements", links=LINKS)
@idempotent
def change_placement(child_ref: str):
    _timeline(child_ref)
    version = expected_version()
    data = json_body(PlacementChangeIn())
    position = services().portal.change_placement(
        g.principal.actor, g.principal.organisation_id, child_ref, on=data["on"],
        terms=_terms(data, change=True), reason=data["reason"], urgency=data["urgency"],
        approval=data["approval"], expected_version=version)
    return _answer(child_ref, position)


@bp.post("/placements/<child_ref:child_ref>/end")
@api_requires("placements.manage")
@operation(summary="End a child's placement (the child leaves care)", body=PlacementEndIn,
           if_match="required", idempotent=True, responses=ONE, headers=TAGGED,
           tag="placements")
@idempotent
def end_placement(child_ref: str):
    _timeline(child_ref)
    version = expected_version()
    data = json_body(PlacementEndIn())
    position = services().portal.end_placement(
        g.principal.actor, g.principal.organisation_id, child_ref, on=data["on"],
        rec=data["rec"], reason=data["reason"], expected_version=version)
    return _answer(child_ref, position)
