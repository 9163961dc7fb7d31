"""No raw child ids left behind: after a crash mid-import, the uploaded files are removed and
the job's page says it stopped, with the option to import the files again.

The outside tester killed the portal during an import: the SSDA903 files (the council's own
child ids) stayed in the temporary folder for ever, and the job's page kept saying the import
carried on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import sqlalchemy as sa

from portal import create_app
from portal.config import Settings
from portal.imports.jobs import create_job, finish_job
from portal.imports.liveness import settle_dead_jobs
from portal.imports.report import Report
from portal.imports.run import Upload
from portal.imports.uploads import MAX_UPLOAD_AGE
from projections.import_jobs import import_job_runners, import_jobs, now
from tests.conftest import account_for
from tests.web.test_import_pages import JOB, files, upload, wait_until_finished

ROOT = Path(__file__).resolve().parents[2]
RAW_ID = "RAW-CHILD-ID-1"

# The web process that took an upload: its files in the portal's upload folder, its job
# recorded, importing (here: asleep) when it is killed with SIGKILL.
IMPORTING_PROCESS = """
import sys, time, uuid
from pathlib import Path
import sqlalchemy as sa
from portal.imports.jobs import create_job
from portal.imports.run import Upload
from portal.imports.uploads import UploadFolder
url, root, authority = sys.argv[1:4]  # and the child id, sys.argv[4]
engine = sa.create_engine(url)
job_id = uuid.uuid4()
folder = UploadFolder(Path(root)).for_job(job_id)
(folder / "episodes.csv").write_text("CHILD,DECOM\\n" + sys.argv[4] + ",01/01/2025\\n")
create_job(engine, authority_id=uuid.UUID(authority), user_id=None, job_id=job_id,
           episodes=Upload(folder / "episodes.csv", "return 2025.csv"), header=None)
engine.dispose()
print(job_id, flush=True)
time.sleep(300)
"""


def stage_of(svc, job_id: UUID) -> str:
    with svc.engine.connect() as c:
        return c.execute(sa.select(import_jobs.c.stage)
                         .where(import_jobs.c.id == job_id)).scalar_one()


def kent(svc) -> UUID:
    return svc.portal.get_authority("886").id


def test_a_job_left_running_by_a_killed_process_is_shown_failed_with_a_re_run_option(
        app, client, demo_services):
    uploads = app.extensions["uploads"].root
    process = subprocess.Popen(
        [sys.executable, "-c", IMPORTING_PROCESS,
         demo_services.database.url.render_as_string(hide_password=False), str(uploads),
         str(kent(demo_services)), RAW_ID],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        job_id = UUID(process.stdout.readline().strip())
        folder = uploads / str(job_id)
        assert RAW_ID in (folder / "episodes.csv").read_text()
        client.sign_in(account_for("council_officer", "Kent"))
        running = client.get(f"/imports/jobs/{job_id}").get_data(as_text=True)
        assert "the import carries on" in running  # alive: it is running
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert stage_of(demo_services, job_id) == "queued"  # what the killed process left
    page = client.get(f"/imports/jobs/{job_id}").get_data(as_text=True)
    assert "the import carries on" not in page
    assert "The import stopped before it finished" in page
    assert "Import the same file again to finish it" in page
    assert 'href="/imports/#episodes"' in page and "Import the file again" in page
    assert stage_of(demo_services, job_id) == "failed"
    assert not folder.exists()  # the raw ids are gone
    assert "Stopped" in client.get("/imports/").get_data(as_text=True)


def test_a_restarted_portal_fails_its_dead_jobs_and_removes_their_files_at_start_up(
        app, demo_services, tmp_path):
    uploads = app.extensions["uploads"]
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    job_id = uuid4()
    folder = uploads.for_job(job_id)
    (folder / "episodes.csv").write_text(f"CHILD\n{RAW_ID}\n")
    create_job(demo_services.engine, authority_id=kent(demo_services), user_id=None,
               episodes=Upload(folder / "episodes.csv", "e.csv"), header=None, job_id=job_id)
    with demo_services.engine.begin() as c:  # as if the sleeper had created it
        c.execute(import_job_runners.update().values(pid=sleeper.pid, process_started=""))
    assert settle_dead_jobs(demo_services.engine) == []  # alive
    sleeper.kill()
    sleeper.wait()
    create_app(Settings.from_environment(
        database_url=demo_services.database.url.render_as_string(hide_password=False),
        secret_key="k", instance=tmp_path, upload_dir=uploads.root), services=demo_services)
    assert stage_of(demo_services, job_id) == "failed"
    assert not folder.exists()


def test_a_job_whose_heartbeat_stopped_on_another_host_is_failed(client, demo_services,
                                                                  tmp_path):
    engine = demo_services.engine
    jobs = [create_job(engine, authority_id=kent(demo_services), user_id=None,
                       episodes=Upload(tmp_path / "e.csv", "e.csv"), header=None)
            for _ in range(2)]
    with engine.begin() as c:
        c.execute(import_job_runners.update().values(host="portal-web-2", pid=1))
        c.execute(import_job_runners.update().where(import_job_runners.c.job_id == jobs[0])
                  .values(heartbeat_at=now() - timedelta(minutes=2)))
    assert settle_dead_jobs(engine) == [jobs[0]]
    assert [stage_of(demo_services, j) for j in jobs] == ["failed", "queued"]


def test_a_finished_job_leaves_no_runner_and_no_files(client, demo_services, app):
    client.sign_in(account_for("council_officer", "Kent"))
    response = upload(client, files())
    url = JOB.search(response.headers["Location"]).group(0)
    assert "Import finished" in wait_until_finished(client, url)
    root = app.extensions["uploads"].root
    assert root.is_dir() and (root.stat().st_mode & 0o777) == 0o700
    assert list(root.iterdir()) == []  # the job's folder went with the job
    with demo_services.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(import_job_runners)).scalar() \
            == 0


def aged(path: Path, age: timedelta) -> Path:
    moment = time.time() - age.total_seconds()
    os.utime(path, (moment, moment))
    return path


def test_stale_uploads_are_swept_and_fresh_ones_kept(app, demo_services, tmp_path):
    uploads = app.extensions["uploads"]
    engine = demo_services.engine
    old = MAX_UPLOAD_AGE + timedelta(minutes=1)

    def job_folder(stage: str | None, age: timedelta) -> Path:
        job_id = uuid4()
        folder = uploads.for_job(job_id)
        (folder / "episodes.csv").write_text(f"CHILD\n{RAW_ID}\n")
        if stage is not None:
            create_job(engine, authority_id=kent(demo_services), user_id=None, job_id=job_id,
                       episodes=Upload(folder / "episodes.csv", "e.csv"), header=None)
            if stage == "done":
                finish_job(engine, job_id, Report(file_name="e.csv"))
        return aged(folder, age)

    orphan_old = job_folder(None, old)  # a crash mid-upload, before the job was recorded
    orphan_fresh = job_folder(None, timedelta(minutes=5))  # an upload arriving now
    finished = job_folder("done", timedelta(0))  # its job ended without removing it
    running_old = job_folder("running", old)  # a job still running (this process, alive)
    other = uploads.root / "not-a-job.txt"  # not the portal's: left alone
    other.write_text("kept")
    aged(other, old)
    assert uploads.sweep(engine) >= 2  # (and any earlier versions left in /tmp)
    assert [p.exists() for p in (orphan_old, orphan_fresh, finished, running_old, other)] == [
        False, True, False, True, True]


def test_the_sweep_runs_hourly(app, client, demo_services):
    uploads = app.extensions["uploads"]
    first = aged(uploads.for_job(uuid4()), MAX_UPLOAD_AGE * 2)
    client.get("/")  # swept at start-up, not due again for an hour
    assert first.exists()
    uploads._next_sweep = time.monotonic() - 1  # an hour on
    client.get("/")
    assert not first.exists()


def test_a_running_job_beats_whatever_it_is_doing(demo_services, tmp_path):
    from portal.imports.liveness import Heartbeat

    engine = demo_services.engine
    job_id = create_job(engine, authority_id=kent(demo_services), user_id=None,
                        episodes=Upload(tmp_path / "e.csv", "e.csv"), header=None)
    long_ago = now() - timedelta(minutes=5)
    with engine.begin() as c:
        c.execute(import_job_runners.update().values(heartbeat_at=long_ago, host="web-2"))
    with Heartbeat(engine, job_id, interval=0.05):
        time.sleep(0.5)  # no progress written, as while the read models catch up
    assert settle_dead_jobs(engine) == []
    assert stage_of(demo_services, job_id) == "queued"


def test_uploads_left_in_the_temporary_folder_by_earlier_versions_are_swept(
        app, demo_services):
    import tempfile

    old = aged(Path(tempfile.mkdtemp(prefix="ssda903-")), MAX_UPLOAD_AGE * 2)
    (old / "episodes.csv").write_text(f"CHILD\n{RAW_ID}\n")
    aged(old, MAX_UPLOAD_AGE * 2)
    fresh = Path(tempfile.mkdtemp(prefix="ssda903-"))
    try:
        app.extensions["uploads"].sweep(demo_services.engine)
        assert not old.exists() and fresh.exists()
    finally:
        fresh.rmdir()
