"""Agencies own locations (sub-accounts); agency API keys are stored only as hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Location:
    """A CRM sub-account of an agency; it may connect one WooCommerce store at a time."""

    id: str
    agency_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An agency's API key; only its SHA-256 hash and a short prefix for display are kept."""

    id: str
    agency_id: str
    key_hash: str
    prefix: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoreBinding:
    """An agency linked to a store domain: one store per agency, one agency per store."""

    agency_id: str
    store_domain: str
    created_at: datetime
