"""Static assets: versioned addresses cached for a year, bare or stale addresses revalidated,
and compression for assets but never for pages (BREACH) or the API (exact ETags)."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import brotli


def _asset_links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_every_asset_on_a_page_has_a_versioned_address_cached_for_a_year(client):
    links = _asset_links(client.get("/sign-in").get_data(as_text=True))
    assert {urlsplit(link).path for link in links} >= {
        "/static/vendor/govuk/govuk-frontend.min.css", "/static/app/app.css",
        "/static/vendor/htmx.min.js", "/static/app/favicon.svg"}
    for link in links:
        link = link.replace("&amp;", "&")
        assert re.fullmatch(r"[0-9a-f]{12}", parse_qs(urlsplit(link).query)["v"][0])
        response = client.get(link)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_asset_without_its_current_version_must_be_revalidated(client):
    bare = client.get("/static/app/app.css")
    assert bare.headers["Cache-Control"] == "no-cache"
    stale = client.get("/static/app/app.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/app/app.css", headers={"If-None-Match": bare.headers["ETag"]})
    assert again.status_code == 304


def test_a_changed_file_gets_a_new_address(app, tmp_path):
    from portal.static_assets import _Versions

    (tmp_path / "a.css").write_text("body { color: black }")
    versions = _Versions(tmp_path)
    before = versions.of("a.css")
    (tmp_path / "a.css").write_text("body { color: navy }")
    os.utime(tmp_path / "a.css", (1, 1))  # a new modification time, whatever the clock
    assert versions.of("a.css") not in (None, before)
    assert versions.of("../a.css") is None and versions.of("missing.css") is None


def test_assets_are_compressed_and_pages_are_not(app, client):
    static = Path(app.static_folder)
    stylesheet = client.get("/static/vendor/govuk/govuk-frontend.min.css",
                            headers={"Accept-Encoding": "br, gzip"})
    assert stylesheet.headers["Content-Encoding"] == "br"
    assert brotli.decompress(stylesheet.get_data()) == \
        (static / "vendor/govuk/govuk-frontend.min.css").read_bytes()
    script = client.get("/static/vendor/htmx.min.js", headers={"Accept-Encoding": "br"})
    assert brotli.decompress(script.get_data()) == (static / "vendor/htmx.min.js").read_bytes()
    # The API's answers keep their exact ETag for If-Match: never compressed.
    description = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in description.headers
    assert json.loads(description.get_data())["openapi"].startswith("3.")
    page = client.get("/sign-in", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in page.headers
    assert "<h1" in page.get_data(as_text=True)
