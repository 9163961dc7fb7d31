"""The council's own homes (their registration pipeline) and places in development: the rules,
every broken one at once, by field."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.development import Development
from domain.errors import DomainError, IllegalTransition, Refused
from domain.in_house import in_house_provider_id
from domain.organisation import Authority, Provider

SYSTEM = Actor.system()
TODAY = date(2026, 1, 5)


def dorset() -> Authority:
    return Authority.register(la_code="838", ons_code="E06000059", name="Dorset",
                              population_0_17=66_100, partnerships=["Dorset"],
                              key_decision_threshold=500_000, actor=SYSTEM)


def in_house_home(stage="planned", on=date(2025, 6, 2)):
    authority = dorset()
    provider = Provider.register_in_house(authority, actor=SYSTEM)
    setting = provider.add_setting(name="Hillside", setting_type="childrens_home",
                                   ofsted_urn=None, host_authority_id=authority.id,
                                   postcode_district="DT1", registered_places=4, actor=SYSTEM)
    provider.change_stage(setting, stage=stage, on=on, today=TODAY, actor=SYSTEM,
                          reason="Capital programme approved")
    return authority, provider, setting


def test_the_in_house_provider_is_the_authoritys_own():
    authority, provider, _ = in_house_home()
    assert provider.id == in_house_provider_id(authority.id)
    assert provider.owner_authority_id == authority.id and provider.in_house
    assert provider.name == "Dorset Council (in-house)"


def test_the_pipeline_goes_one_step_at_a_time_with_dates_and_reasons():
    _, provider, home = in_house_home()
    for stage, on in (("applying", date(2025, 9, 1)), ("registered", date(2025, 11, 3)),
                      ("open", date(2025, 12, 1))):
        provider.change_stage(home, stage=stage, on=on, today=TODAY, actor=SYSTEM,
                              reason="Next step")
    assert provider.stage(home) == "open"
    assert [s for s, _ in provider.stages[home]] == ["planned", "applying", "registered",
                                                     "open"]
    provider.change_stage(home, stage="closed", on=TODAY, today=TODAY, actor=SYSTEM,
                          reason="Building unsafe")
    with pytest.raises(IllegalTransition):
        provider.change_stage(home, stage="open", on=TODAY, today=TODAY, actor=SYSTEM,
                              reason="Again")


def test_a_bad_step_is_refused_field_by_field():
    _, provider, home = in_house_home()
    with pytest.raises(Refused) as refused:
        provider.change_stage(home, stage="open", on=date(2026, 2, 1), today=TODAY,
                              actor=SYSTEM, reason=" ")
    assert refused.value.errors == {
        "stage": "From planned the next stage is applying for registration or closed",
        "on": "The date of the step cannot be in the future",
        "reason": "Say why the setting moves to this stage"}
    with pytest.raises(Refused) as refused:
        provider.change_stage(home, stage="applying", on=date(2025, 1, 1), today=TODAY,
                              actor=SYSTEM, reason="Sent")
    assert refused.value.errors == {"on": "The date cannot be before the last step, on "
                                          "02/06/2025"}
    assert provider.stage(home) == "planned" and len(provider.pending_events) == 4


def test_an_independent_providers_settings_have_no_pipeline():
    provider = Provider.register(name="Homes Ltd", kind="childrens_home_operator",
                                 ofsted_urn=None, actor=SYSTEM)
    setting = provider.add_setting(name="A", setting_type="childrens_home", ofsted_urn=None,
                                   host_authority_id=uuid4(), postcode_district="DT1",
                                   registered_places=3, actor=SYSTEM)
    with pytest.raises(DomainError, match="Only the council's own"):
        provider.change_stage(setting, stage="open", on=TODAY, today=TODAY, actor=SYSTEM,
                              reason="x")


SCHEME = dict(name="Council home, Bridport", development_type="council_home",
              setting_type="childrens_home", places=4, expected_opening=date(2026, 9, 1),
              confidence="high", tender_id=None, contract_id=None)


def test_a_scheme_is_recorded_changed_and_leaves_the_pipeline_when_it_opens():
    scheme = Development.record(authority_id=uuid4(), today=TODAY, actor=SYSTEM, **SCHEME)
    assert scheme.status == "in_development"
    assert scheme.change(today=TODAY, actor=SYSTEM, reason="Builder delayed",
                         expected_opening=date(2026, 12, 1), places=6)
    assert (scheme.expected_opening, scheme.places) == (date(2026, 12, 1), 6)
    assert not scheme.change(today=TODAY, actor=SYSTEM, reason="Nothing", places=6)
    scheme.open(on=TODAY, today=TODAY, actor=SYSTEM, reason="Registered and open")
    assert scheme.status == "opened"
    with pytest.raises(IllegalTransition):
        scheme.change(today=TODAY, actor=SYSTEM, reason="Later", places=8)


def test_a_bad_scheme_is_refused_with_every_error_at_once():
    with pytest.raises(Refused) as refused:
        Development.record(authority_id=uuid4(), today=TODAY, actor=SYSTEM, **{
            **SCHEME, "name": " ", "setting_type": "supported_accommodation", "places": 0,
            "expected_opening": date(2025, 12, 1), "confidence": "certain"})
    assert set(refused.value.errors) == {"name", "setting_type", "places", "expected_opening",
                                         "confidence"}
    assert refused.value.errors["places"] == "Places must be a whole number between 1 and 200"
    assert "must be in the future" in refused.value.errors["expected_opening"]
    assert refused.value.errors["setting_type"] == (
        "A council children's home provides children's home places or short break places")
    scheme = Development.record(authority_id=uuid4(), today=TODAY, actor=SYSTEM, **SCHEME)
    with pytest.raises(Refused) as refused:
        scheme.change(today=TODAY, actor=SYSTEM, reason="", places=-1)
    assert set(refused.value.errors) == {"places", "reason"}
    assert scheme.places == 4 and len(scheme.pending_events) == 1
