"""The module `wooconnect worker` hands to Dramatiq: each worker process imports it to find the
broker and the actors. It reads the settings when imported, which is acceptable only because
nothing but the Dramatiq CLI imports it; nothing connects until the worker boots."""

from __future__ import annotations

import sys

from wooconnect.adapters.logging_setup import configure_logging, service_secrets
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.brokers import worker_broker

_settings = Settings.from_env()
# Dramatiq points this process's stderr at the pipe its parent reads; `wooconnect worker`
# resolved `auto` against its own terminal and passed the answer down in the environment.
configure_logging(
    _settings.log_format,
    stream=sys.stderr,
    secrets=service_secrets(_settings.admin_token, _settings.secret_key),
)
broker = worker_broker(_settings)
