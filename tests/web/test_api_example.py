"""The README's example API client, run as written against the portal served on a local port:
it publishes a vacancy with an Idempotency-Key, then changes its fee with If-Match."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from uuid import UUID

from werkzeug.serving import make_server

from domain.actor import Actor
from portal import create_app
from portal.config import Settings
from tests.conftest import account_for
from tests.web.api_fixtures import key_for

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"An example client.*?```python\n(.*?)```", re.DOTALL)


def example() -> str:
    return EXAMPLE.search(README.read_text()).group(1)


def test_the_readme_example_publishes_then_updates_with_if_match(demo_services, tmp_path):
    provider = account_for("provider_user")
    client_id, key = key_for(demo_services, provider.organisation_id, ["provider_user"])
    # The port is known once the server is bound, and the app serves only its own address.
    serving = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: serving["app"](environ, start),
                         threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    serving["app"] = create_app(Settings.from_environment(
        database_url=demo_services.database.url.render_as_string(hide_password=False),
        secret_key="example-secret", instance=tmp_path, projections_inline=True,
        secure_cookies=False, portal_url=base_url), services=demo_services)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script = tmp_path / "example.py"
    script.write_text(example())
    try:
        run = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=120,
            env={**os.environ, "PORTAL_URL": base_url, "PORTAL_API_KEY": key})
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Published ") and lines[1] == "Weekly fee now 4950"
    vacancy = demo_services.portal.get_vacancy(UUID(lines[0].split()[1]))
    assert vacancy.weekly_fee == 4950 and vacancy.version == 2
    events = [demo_services.portal.mapper.to_domain_event(stored)
              for stored in demo_services.portal.recorder.select_events(vacancy.id)]
    assert {e.actor for e in events} == {Actor.api_client(client_id, provider.organisation_id)}
