"""The portal's one time zone: English councils work on UK time, so dates typed, shown and
counted (deadlines, "as at" moments, days in care) are read in Europe/London."""

from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
