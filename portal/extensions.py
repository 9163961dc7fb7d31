"""Flask extensions, created once and bound in the app factory."""

from __future__ import annotations

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
htmx = HTMX()
# The storage is the app's RATELIMIT_STORAGE_URI (portal/config.py); when a shared store stops
# answering, limits are counted in the process's memory until it answers again.
limiter = Limiter(key_func=get_remote_address, default_limits=[], in_memory_fallback_enabled=True)
