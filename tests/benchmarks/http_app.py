"""What `make bench` serves through gunicorn: the portal, and beside it under ``/hello/`` a
hello-world Flask view, the baseline every page's throughput is compared with (same server,
same workers, same load generator)."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from portal import create_app

hello = Flask("hello")


@hello.get("/")
def hello_world() -> str:
    return "Hello, world!"


app = DispatcherMiddleware(create_app(), {"/hello": hello})
