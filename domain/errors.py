"""Domain errors: each carries a message written for the person who caused it."""


class DomainError(Exception):
    """A rule of the domain was broken. The message is shown to the user as it is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Refused(DomainError):
    """Details that break one or more rules: every problem at once, by field (the first also
    as the message, for callers that show one)."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


class NotFound(DomainError):
    """The record does not exist (or is not the caller's to see)."""


class PermissionDenied(DomainError):
    """The actor may not do this to this record."""


class IllegalTransition(DomainError):
    """The record's life does not allow this step from its present state."""


class AlreadyExists(DomainError):
    """A record with the same natural key is already registered."""


class Conflict(Exception):
    """Someone else changed the record at the same moment, so this change was not saved.

    Not a :class:`DomainError`: no field of the form is wrong, and the person must reload to
    see the record as it now is (the web answers 409)."""

    MESSAGE = ("Someone else changed this record at the same moment, so your change was not "
               "saved. Reload the page to see the record as it is now, then make your change "
               "again if it is still needed.")

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)
        self.message = message


class StaleVersion(Exception):
    """The caller changed a record as it stood at an earlier version (an API client's
    If-Match): nothing was saved. The API answers 412 with the record's present version."""

    MESSAGE = ("The record has changed since the version you sent in If-Match: nothing was "
               "saved. Fetch it again, then send your change with its new ETag.")

    def __init__(self, current_version: int) -> None:
        super().__init__(self.MESSAGE)
        self.message = self.MESSAGE
        self.current_version = current_version


def check_version(aggregate, expected_version: int | None) -> None:
    """Refuse a change made to ``aggregate`` as it stood at another version (None: any)."""
    if expected_version is not None and aggregate.version != expected_version:
        raise StaleVersion(aggregate.version)
