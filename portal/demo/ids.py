"""Ids of demo records, derived from their natural keys so a second load finds them."""

from __future__ import annotations

from uuid import UUID, uuid5

from domain.organisation import NAMESPACE


def provider_id(name: str) -> UUID:
    return uuid5(NAMESPACE, "demo-provider:" + name)


def contract_id(key: str) -> UUID:
    return uuid5(NAMESPACE, "demo-contract:" + key)


def vacancy_id(index: int, fact) -> UUID:
    """A demo vacancy's id, from its place in ``region.VACANCIES`` and its setting."""
    return uuid5(NAMESPACE, f"demo-vacancy:{index}:{fact.provider_name}:{fact.setting_name}")
