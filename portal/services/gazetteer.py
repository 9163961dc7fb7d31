"""The postcode-district commands of the portal application (a mixin of
:class:`~portal.services.application.Portal`
). Only a platform administrator, or the system itself (the
command line), changes the reference data."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from domain.actor import Actor
from domain.gazetteer import DistrictUpload


class GazetteerCommands:
    """Needs ``_create`` and ``organisation_kind`` (Portal)."""

    def add_districts(self, actor: Actor, *, rows: list[dict[str, Any]], file_name: str,
                      file_sha256: str, reason: str | None = None) -> tuple[UUID, int]:
        """Add (or correct) postcode districts; returns the upload's id and position."""
        from domain.errors import PermissionDenied

        if actor.user_id is not None and (
                actor.organisation_id is None
                or self.organisation_kind(actor.organisation_id) != "platform"):
            raise PermissionDenied("Only a platform administrator can change the postcode "
                                   "districts")
        upload = DistrictUpload.add(id=uuid4(), rows=rows, file_name=file_name,
                                    file_sha256=file_sha256, actor=actor, reason=reason)
        return upload.id, self._create(upload, "This upload is already recorded")
