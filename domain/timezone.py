"""The portal's one time zone: English councils work on UK time, so dates typed, shown and
counted (deadlines, "as at" moments, days in care) are read in Europe/London."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def uk_date(day: date) -> str:
    """A date as UK readers write it: "6 December 2026" (never ISO in a message)."""
    return f"{day.day} {day:%B %Y}"


def uk_moment(moment: datetime) -> str:
    """A moment in UK time: "6 December 2026 at 14:05" (a naive moment is shown as given)."""
    local = moment.astimezone(LONDON) if moment.tzinfo else moment
    return f"{uk_date(local)} at {local:%H:%M}"
