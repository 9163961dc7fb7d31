"""The metadata of auth's own tables (password hashes, authenticator secrets, single-use
tokens, sessions, the sign-in lockout): auth owns them, apart from the read models, so
rebuilding projections never touches them. The composition root creates them at start-up."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
