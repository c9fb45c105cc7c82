"""The names of the background tasks. Messages carry one id each; the database holds the rest."""

from __future__ import annotations

IMPORT_RUN = "imports.run"
DELIVERY_PROCESS = "webhooks.process"
RECONCILE_CONNECTION = "sync.reconcile"
TRIGGER_DELIVER = "triggers.deliver"
