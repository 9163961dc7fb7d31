"""The forecast's arithmetic: a least-squares straight line through monthly counts, projected
forward with a 95% prediction interval. Pure Python, no I/O.

The method is ordinary least squares with the textbook prediction interval for a future
observation (Montgomery, Peck and Vining, Introduction to Linear Regression Analysis, equation
2.45):

    forecast at month x:  a + b x
    interval:             forecast ± t(0.975, n - 2) * s * sqrt(1 + 1/n + (x - mean x)² / Sxx)

where n is the number of monthly counts, s the standard deviation of the counts about the line
(residual sum of squares over n - 2), mean x the mean month and Sxx the sum of squared deviations of
the months from it. A series on a straight line gives itself and a band of zero width; the more
the counts scatter about the line, and the further ahead, the wider the band.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

MIN_POINTS = 13  # twelve months of history: a count on the date and on each of 12 months before
Z_975 = NormalDist().inv_cdf(0.975)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), moved back to the month's last day where
    the month is shorter (31 March less one month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def t_quantile_975(df: int) -> float:
    """The 97.5th percentile of Student's t with ``df`` degrees of freedom, by the
    Cornish-Fisher expansion about the normal (Abramowitz and Stegun, Handbook of Mathematical
    Functions, 26.7.5): within 0.001 of the tables from 5 degrees of freedom on."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    z = Z_975
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(g / df ** (power + 1) for power, g in enumerate(terms))


@dataclass(frozen=True)
class Line:
    """A straight line fitted to counts at months 0, 1, ..., n - 1."""

    intercept: float
    slope: float  # change a month
    residual_sd: float  # s: the counts' standard deviation about the line
    n: int
    mean_x: float
    sxx: float

    def at(self, x: float) -> float:
        return self.intercept + self.slope * x

    def interval(self, x: float) -> tuple[float, float, float]:
        """The forecast at month ``x`` and its 95% prediction interval (low, forecast, high)."""
        centre = self.at(x)
        half = (t_quantile_975(self.n - 2) * self.residual_sd
                * math.sqrt(1 + 1 / self.n + (x - self.mean_x) ** 2 / self.sxx))
        return centre - half, centre, centre + half


def fit(counts: list[float]) -> Line:
    """The least-squares line through counts taken a month apart."""
    n = len(counts)
    if n < 3:
        raise ValueError("a line and its scatter need at least three counts")
    mean_x = (n - 1) / 2
    mean_y = sum(counts) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(counts))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    residuals = sum((y - (intercept + slope * x)) ** 2 for x, y in enumerate(counts))
    return Line(intercept=intercept, slope=slope, residual_sd=math.sqrt(residuals / (n - 2)),
                n=n, mean_x=mean_x, sxx=sxx)
