"""The module `wooconnect worker` hands to Dramatiq: each worker process imports it to find the
broker and the actors. It reads the settings when imported, which is acceptable only because
nothing but the Dramatiq CLI imports it; nothing connects until the worker boots."""

from __future__ import annotations

from adapters.settings import Settings
from adapters.worker.dramatiq_worker import build_worker_broker
from adapters.worker.registry import build_registry

broker = build_worker_broker(Settings.from_env(), build_registry)
