"""The upload page: an officer imports into their own authority, watches the progress (htmx
polls a partial that stops polling once done), reads the report and downloads it as CSV."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from domain.account import account_id
from portal.imports.job_records import import_job_runners, import_jobs, now
from portal.imports.jobs import ProgressWriter, create_job, finish_job
from portal.imports.report import EPISODES, Problem, Report
from portal.imports.run import Upload
from projections.placements import data_imports, placement_children
from tests.conftest import account_for
from tests.ssda903_files import csv_text, episode, header

JOB = re.compile(r"/imports/jobs/([0-9a-f-]{36})")


def files(children=("WEB-1", "WEB-2"), bad_place=True):
    rows = [episode(c, date(2025, 1, 1) + timedelta(days=n)) for n, c in enumerate(children)]
    if bad_place:
        rows.append(episode("WEB-BAD", date(2025, 3, 1), place="Q9"))
    headers = [header(c, date(2012, 4, 4)) for c in (*children, "WEB-BAD")]
    return {"episodes": (io.BytesIO(csv_text(rows).encode()), "return 2025.csv"),
            "header": (io.BytesIO(csv_text(headers).encode()), "header.csv")}


def upload(client, data):
    return client.post_form("/imports/", data, content_type="multipart/form-data")


def wait_until_finished(client, url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        if 'hx-trigger="every 1s"' not in page:
            return client.get(url).get_data(as_text=True)
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_only_officers_may_import(client):
    assert client.get("/imports/").status_code == 302  # sign in first
    client.sign_in(account_for("provider_user"))
    assert client.get("/imports/").status_code == 403
    client.sign_in(account_for("council_officer", "Kent"))
    page = client.get("/imports/").get_data(as_text=True)
    assert "Import an SSDA903 return" in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page


def test_an_officer_imports_a_return_and_reads_the_report(client, demo_services):
    officer = account_for("council_officer", "Kent")
    client.sign_in(officer)
    response = upload(client, files())
    assert response.status_code == 303
    url = JOB.search(response.headers["Location"]).group(0)
    page = wait_until_finished(client, url)
    assert "Import finished" in page
    assert re.search(r"Rows accepted\s*</dt>\s*<dd[^>]*>\s*2\s*</dd>", page)
    assert re.search(r"Rows rejected\s*</dt>\s*<dd[^>]*>\s*1\s*</dd>", page)
    assert "PLACE (placement type): Q9 is not an SSDA903 code" in page
    assert "WEB-" not in page

    report = client.get(url + "/report.csv")
    assert report.mimetype == "text/csv"
    assert "attachment" in report.headers["Content-Disposition"]
    # SC123456 is no setting in the demo's directory: the rows are imported, with a warning.
    assert list(csv.reader(io.StringIO(report.get_data(as_text=True)))) == [
        ["file", "line", "column", "outcome", "reason"],
        ["episodes", "4", "PLACE", "not imported",
         "PLACE (placement type): Q9 is not an SSDA903 code"],
        ["episodes", "2", "URN", "imported with a warning",
         "Ofsted URN SC123456 is not a setting in the directory"],
        ["episodes", "3", "URN", "imported with a warning",
         "Ofsted URN SC123456 is not a setting in the directory"]]
    assert re.search(r"Rows imported with a warning\s*</dt>\s*<dd[^>]*>\s*2\s*</dd>", page)
    assert "Ofsted URN SC123456 is not a setting in the directory" in page

    kent = demo_services.portal.get_authority("886").id
    with demo_services.engine.connect() as c:
        record = c.execute(sa.select(data_imports).where(
            data_imports.c.file_name == "return 2025.csv")).mappings().one()
        assert c.execute(sa.select(sa.func.count()).select_from(placement_children).where(
            placement_children.c.child_ref.in_([demo_services.child_refs.reference("886", c_)
                                                for c_ in ("WEB-1", "WEB-2")]),
            placement_children.c.authority_id == kent)).scalar() == 2
    assert record["authority_id"] == kent and record["accepted"] == 2
    assert record["user_id"] == account_id(officer.email)

    listing = client.get("/imports/").get_data(as_text=True)
    assert "return 2025.csv" in listing and officer.display_name in listing
    assert url in listing


def test_progress_is_polled_until_the_job_is_done(client, demo_services, tmp_path):
    officer = account_for("council_officer", "Kent")
    client.sign_in(officer)
    kent = demo_services.portal.get_authority("886").id
    job_id = create_job(demo_services.engine, authority_id=kent, user_id=None,
                        episodes=Upload(tmp_path / "e.csv", "e.csv"), header=None)
    ProgressWriter(demo_services.engine, job_id)("reading", 50, 200)
    url = f"/imports/jobs/{job_id}"
    partial = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in partial and "<h1" not in partial
    assert "50 of 200 lines read (25%)" in partial
    page = client.get(url).get_data(as_text=True)
    assert "Reading and checking rows" in page and "Refresh to see how far it has got" in page
    report = Report(file_name="e.csv", rows=3, accepted=2, children=2, children_changed=2)
    report.add(Problem(EPISODES, 3, "DEC", "DEC (the date the episode ceased) must not be "
                                           "before DECOM"))
    finish_job(demo_services.engine, job_id, report)
    done = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done and "Import finished" in done
    assert "must not be before DECOM" in done


def test_a_job_that_stopped_moving_says_so(client, demo_services, tmp_path):
    """A job recorded before jobs recorded their process: stalled for 10 minutes, it says
    it stopped (tests/web/test_import_leftovers.py has jobs whose process died)."""
    client.sign_in(account_for("council_officer", "Kent"))
    kent = demo_services.portal.get_authority("886").id
    job_id = create_job(demo_services.engine, authority_id=kent, user_id=None,
                        episodes=Upload(tmp_path / "e.csv", "e.csv"), header=None)
    with demo_services.engine.begin() as c:
        c.execute(import_job_runners.delete())
        c.execute(import_jobs.update().where(import_jobs.c.id == job_id).values(
            stage="applying", updated_at=now() - timedelta(minutes=11)))
    page = client.get(f"/imports/jobs/{job_id}").get_data(as_text=True)
    assert "The import stopped" in page and "Import the same file again to finish it" in page


def test_another_authoritys_import_is_not_found(client, demo_services):
    client.sign_in(account_for("council_officer", "Kent"))
    url = JOB.search(upload(client, files()).headers["Location"]).group(0)
    wait_until_finished(client, url)
    client.sign_in(account_for("council_officer", "Dorset"))
    assert client.get(url).status_code == 404
    assert client.get(url + "/report.csv").status_code == 404
    assert "return 2025.csv" not in client.get("/imports/").get_data(as_text=True)


def test_a_refused_file_is_reported_on_the_job_page(client):
    client.sign_in(account_for("council_officer", "Kent"))
    data = {"episodes": (io.BytesIO(b"CHILD,DECOM\r\nA,01/01/2025\r\n"), "short.csv")}
    url = JOB.search(upload(client, data).headers["Location"]).group(0)
    page = wait_until_finished(client, url)
    assert "Nothing was imported" in page
    assert "The episodes file is missing the columns RNE, LS, CIN" in page


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Select the SSDA903 episodes file"),
    ({"episodes": (io.BytesIO(b""), "empty.csv")}, "The selected episodes file is empty"),
])
def test_upload_errors_are_shown_on_the_form(client, data, message):
    client.sign_in(account_for("council_officer", "Kent"))
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert page.count('href="#episodes"') == 1


def test_files_over_the_limit_are_refused_with_a_clear_message(client, monkeypatch):
    from portal.views import imports as view

    client.sign_in(account_for("council_officer", "Kent"))
    monkeypatch.setattr(view, "MAX_FILE_BYTES", 1_000)
    big = {"episodes": (io.BytesIO(b"x" * 2_000), "big.csv")}
    page = upload(client, big).get_data(as_text=True)
    assert "The selected episodes file must be smaller than 64 MB" in page
    monkeypatch.setattr(view, "UPLOAD_LIMIT", 1_000)
    too_big = upload(client, {"episodes": (io.BytesIO(b"x" * 2_000), "big.csv")})
    assert too_big.status_code == 413
    assert "Each file must be smaller than 64 MB" in too_big.get_data(as_text=True)


def test_an_upload_without_the_csrf_token_is_refused(client):
    client.sign_in(account_for("council_officer", "Kent"))
    response = client.post("/imports/", data={"csrf_token": "forged", **files()},
                           content_type="multipart/form-data")
    assert response.status_code == 400
