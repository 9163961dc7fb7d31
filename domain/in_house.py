"""Council-run homes and services: an authority's own (in-house) provision.

An authority can run settings itself: Dorset's children's homes are "operated by Dorset
Council", some of them still "seeking registration with Ofsted". The portal holds them as the
settings of one in-house provider per authority (a :class:`~domain.organisation.Provider` of
kind ``in_house`` owned by the authority), so they have places and the same vacancies as any
provider's. Each setting also moves through a registration pipeline, each step an event with
its date and reason: planned, applying for registration, registered, open, closed. Only a
setting registered or open counts in local capacity; the dashboards count it apart from
independent providers' places.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from domain.errors import DomainError, IllegalTransition, Refused

IN_HOUSE = "in_house"
IN_HOUSE_LABEL = "The council's own (in-house) provision"

# The kinds of setting an authority runs itself here; fostering households are their own record.
IN_HOUSE_SETTING_TYPES = ("childrens_home", "supported_accommodation", "short_breaks")

STAGES: dict[str, str] = {
    "planned": "Planned",
    "applying": "Applying for registration",
    "registered": "Registered",
    "open": "Open",
    "closed": "Closed",
}
# From each stage, the next steps: one step forward at a time, or closed from any stage (a
# refused registration closes the plan). The first stage recorded may be any (a home the
# authority already runs is recorded as open).
NEXT: dict[str, frozenset[str]] = {
    "planned": frozenset({"applying", "closed"}),
    "applying": frozenset({"registered", "closed"}),
    "registered": frozenset({"open", "closed"}),
    "open": frozenset({"closed"}),
    "closed": frozenset(),
}
# The stages in which a setting's places are capacity: registered with Ofsted.
COUNTED = frozenset({"registered", "open"})
# A setting takes children (and may publish vacancies) only when open.
TAKING_CHILDREN = "open"


def in_house_provider_id(authority_id: UUID) -> UUID:
    """The one in-house provider of an authority."""
    return uuid5(authority_id, "in-house provider")


def check_stage_change(current: str | None, stage: str, on: date, *, since: date | None,
                       today: date, reason: str | None) -> None:
    """Every rule a step of the pipeline breaks, by field, all at once."""
    found: dict[str, str] = {}
    if stage not in STAGES:
        found["stage"] = "Choose the stage: " + ", ".join(v.lower() for v in STAGES.values())
    elif current is not None and stage not in NEXT[current]:
        allowed = " or ".join(STAGES[s].lower() for s in STAGES if s in NEXT[current])
        if not allowed:
            raise IllegalTransition("This setting has closed: its pipeline has ended")
        found["stage"] = f"From {STAGES[current].lower()} the next stage is {allowed}"
    if on > today:
        found["on"] = "The date of the step cannot be in the future"
    elif since is not None and on < since:
        found["on"] = f"The date cannot be before the last step, on {since:%d/%m/%Y}"
    if not (reason or "").strip():
        found["reason"] = "Say why the setting moves to this stage"
    if found:
        raise Refused(found)


def check_in_house_setting_type(setting_type: str) -> None:
    if setting_type not in IN_HOUSE_SETTING_TYPES:
        raise DomainError("Choose a children's home, supported accommodation or short breaks",
                          field="setting_type")
