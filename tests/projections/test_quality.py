"""The quality read models: each URN's registration and latest judgement, every inspection
kept; incremental equals a rebuild; the demo's sample register judges every demo setting."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from domain.actor import Actor
from portal.demo.ofsted import SAMPLE, sample_text
from portal.imports.register import run_register_import
from portal.imports.run import Upload
from projections.directory import settings
from projections.quality import ofsted_inspections, ofsted_registrations
from projections.quality_queries import setting_quality
from projections.supply import in_house_settings, in_house_stages
from tests.application.ofsted_world import TODAY, build
from tests.ofsted_files import row, write_register
from tests.projections.home_search_world import principal
from tests.projections.scenario import dump

SYSTEM_ROWS = [row("SC700001", name="Heath House"), row("SC700003", judgement="1")]


def _import(services, path, rows):
    report = run_register_import(services, actor=Actor.system(),
                                 upload=Upload(write_register(path, rows), path.name),
                                 today=TODAY)
    assert report.ok, report.problems
    services.projections.catch_up()
    return report


def test_rows_follow_the_history_and_a_rebuild_equals_them(services, tmp_path, monkeypatch):
    from projections import runner

    world = build(services.portal)
    services.projections.catch_up()
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    _import(services, tmp_path / "a.csv", SYSTEM_ROWS)
    newer = row("SC700001", name="Heath House", places=5, inspected=date(2026, 5, 4),
                published=date(2026, 6, 2), judgement="3")
    _import(services, tmp_path / "b.csv", [newer, row("SC700003", judgement="1")])
    # An older file again: the earlier inspection is already held; the places go back to 4.
    _import(services, tmp_path / "c.csv", SYSTEM_ROWS)
    with services.engine.connect() as c:
        heath = c.execute(sa.select(ofsted_registrations).where(
            ofsted_registrations.c.urn == "SC700001")).mappings().one()
        history = c.execute(sa.select(ofsted_inspections.c.inspection_date,
                                      ofsted_inspections.c.judgement)
                            .where(ofsted_inspections.c.urn == "SC700001")
                            .order_by(ofsted_inspections.c.inspection_date)).all()
        quality = setting_quality(principal(world.dorset), c, world.settings["Vale office"])
    assert (heath["judgement"], heath["inspection_date"], heath["places"],
            heath["inspections"]) == ("requires_improvement", date(2026, 5, 4), 4, 2)
    assert history == [(date(2025, 6, 10), "good"), (date(2026, 5, 4), "requires_improvement")]
    # The fostering agency's office reads the agency's registration.
    assert (quality["urn"], quality["judgement"]) == ("SC700003", "outstanding")
    incremental = dump(services.engine, names={"ofsted_registrations", "ofsted_inspections"})
    assert services.projections.rebuild(["quality"]) > 0
    assert dump(services.engine, names={"ofsted_registrations",
                                        "ofsted_inspections"}) == incremental


def test_the_shipped_sample_is_what_the_generator_writes():
    assert SAMPLE.read_text(encoding="utf-8") == sample_text()


def own_stage(c, setting_id) -> str:
    s = in_house_stages.c
    return c.execute(sa.select(s.stage).where(s.setting_id == setting_id)
                     .order_by(s.step.desc()).limit(1)).scalar_one()


def test_every_demo_setting_has_a_judgement(demo_services):
    """Every setting but the council home still applying for registration (Dorset's)."""
    with demo_services.engine.connect() as c:
        applying = {row.setting_id for row in c.execute(sa.select(in_house_settings))
                    if own_stage(c, row.setting_id) in ("planned", "applying")}
        ids = [i for i in c.execute(sa.select(settings.c.id)).scalars() if i not in applying]
        viewer = principal(ids[0])
        judged = [setting_quality(viewer, c, i) for i in ids]
    assert (len(ids), len(applying)) == (348, 1)
    assert all(q is not None and q["judgement"] is not None for q in judged)
    assert {q["judgement"] for q in judged} == {"outstanding", "good", "requires_improvement",
                                                 "inadequate"}


def test_matching_scores_each_vacancy_by_its_settings_latest_judgement(demo_services):
    from portal.demo.home_searches import SEARCHES, home_search_id
    from projections.matching import OFSTED_POINTS, match_vacancies
    from projections.quality_queries import setting_judgements
    from tests.conftest import DEMO_TODAY
    from tests.projections.test_demo_home_searches import officer

    kent = next(s for s in SEARCHES if s.la_code == "886" and s.number == 1)
    with demo_services.engine.connect() as c:
        found = match_vacancies(officer("886"), c, home_search_id(kent), today=DEMO_TODAY)
        judged = setting_judgements(c, [m.vacancy["setting_id"] for m in found.matches])
    assert found.matches
    for match in found.matches:
        judgement, inspected = judged[match.vacancy["setting_id"]]
        ofsted = next(c for c in match.components if c.name == "ofsted")
        assert ofsted.points == OFSTED_POINTS[judgement]
        assert f"inspected {inspected.day} {inspected:%B %Y}" in ofsted.why
    assert len({c.points for m in found.matches for c in m.components
                if c.name == "ofsted"}) > 1


def test_the_audit_log_tells_each_fact_of_an_import_in_a_sentence(services, tmp_path):
    from projections.audit.index import audit_events

    build(services.portal)
    services.projections.catch_up()
    _import(services, tmp_path / "a.csv", SYSTEM_ROWS)
    with services.engine.connect() as c:
        summaries = [r.summary for r in c.execute(sa.select(audit_events.c.summary))]
    assert "Started the record of Ofsted URN SC700001 from Ofsted's register" in summaries
    assert "Recorded the Ofsted registration as active, registered 01/04/2015" in summaries
    assert "Recorded an Ofsted inspection of 10/06/2025: good" in summaries
    assert "Recorded 4 registered places" in summaries
