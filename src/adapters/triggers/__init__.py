"""Outgoing signed webhooks to workflow subscribers."""

from adapters.triggers.sender import HttpxWebhookSender

__all__ = ["HttpxWebhookSender"]
