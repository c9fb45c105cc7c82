"""The domain's error hierarchy: a broken invariant is a DomainError, never a bare exception."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; the message is meant for a person."""


class InvalidStoreUrl(DomainError):
    """A store URL that cannot be connected, with the reason in the message."""


class InsecureStoreUrl(InvalidStoreUrl):
    """A plain-http store URL where only https is allowed."""


class IllegalTransition(DomainError):
    """A lifecycle change that the entity's state machine does not allow."""

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"a {entity} cannot go from {current} to {target}")
        self.entity = entity
        self.current = current
        self.target = target
