"""Static assets: versioned addresses that browsers may keep for a year, and compression.

Every ``url_for('static', ...)`` gains ``v=<the file's content hash>``, so a changed file gets a
new address: a response to a versioned address is cached for a year as immutable, and one
without the current version (an old or bare address) must be revalidated (Flask's ETag and
Last-Modified answer that with 304).

Compression (Flask-Compress: zstd, brotli, gzip or deflate, as the client accepts) covers the
static assets only. The API's JSON is not compressed: Flask-Compress rewrites a compressed
response's ETag, which the API's If-Match must get back exactly. Pages are deliberately not
compressed either: each one carries a session's CSRF token and child references beside text an
attacker can reflect into it (search filters in the address), which is what a compression side
channel (BREACH) needs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request
from flask_compress import Compress

YEAR = 365 * 24 * 3600
COMPRESSED = ["text/css", "text/javascript", "application/javascript", "image/svg+xml"]


def init_app(app: Flask) -> None:
    # Files are sent streamed, and Flask-Compress streams brotli (and zstd, deflate), not gzip.
    app.config.update(COMPRESS_MIMETYPES=COMPRESSED, COMPRESS_MIN_SIZE=500)
    Compress(app)
    versions = _Versions(Path(app.static_folder))

    @app.url_defaults
    def versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = versions.of(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def static_cache(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            current = versions.of(request.view_args.get("filename", ""))
            if current and request.args.get("v") == current:
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response


class _Versions:
    """The content hash of each static file, read once per file and again when it changes."""

    def __init__(self, folder: Path):
        self.folder = folder.resolve()
        self._known: dict[str, tuple[float, str]] = {}

    def of(self, filename: str) -> str | None:
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        modified = path.stat().st_mtime
        known = self._known.get(filename)
        if known is None or known[0] != modified:
            known = (modified, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            self._known[filename] = known
        return known[1]
