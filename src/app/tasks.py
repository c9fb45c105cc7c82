"""Names of the background tasks. Use cases enqueue these through the `JobQueue` port with an
entity id (a job, a delivery, a connection); the worker adapter declares an actor of each name.

The part before the dot names the queue the task travels on, so one slow kind of work (an
import) never holds up another (webhook deliveries).
"""

from __future__ import annotations

IMPORT_RUN = "imports.run"
"""Run (or resume from its checkpoint) one import job; the id is the import job's."""

DELIVERY_PROCESS = "webhooks.process"
"""Apply one stored webhook delivery; the id is the inbox delivery's."""

RECONCILE_CONNECTION = "sync.reconcile"
"""Reconcile one active connection with its store and check its webhooks; the id is the
connection's."""

TRIGGER_DELIVER = "triggers.deliver"
"""Send one trigger event to one workflow subscriber; the id is the trigger delivery's."""
