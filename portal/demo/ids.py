"""Ids of demo records, derived from their natural keys so a second load finds them."""

from __future__ import annotations

from uuid import UUID, uuid5

from domain.organisation import NAMESPACE


def provider_id(name: str) -> UUID:
    return uuid5(NAMESPACE, "demo-provider:" + name)


def contract_id(key: str) -> UUID:
    return uuid5(NAMESPACE, "demo-contract:" + key)
