"""Outgoing signed webhooks to workflow subscribers."""

from wooconnect.adapters.triggers.sender import HttpxWebhookSender

__all__ = ["HttpxWebhookSender"]
