"""Counts in words: "1 setting", "2 settings", "1,204 events" (never "1 settings")."""

from __future__ import annotations

# Nouns whose plural is not the noun with an "s".
_IRREGULAR = {"child": "children", "vacancy": "vacancies", "authority": "authorities",
              "person": "people", "search": "searches", "day": "days", "reply": "replies",
              "home search": "home searches", "category": "categories", "entry": "entries"}


def plural(noun: str) -> str:
    return _IRREGULAR.get(noun, f"{noun}s")


def counted(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, the noun in the plural unless the count is exactly 1."""
    return f"{count:,} {noun if count == 1 else (many or plural(noun))}"
