"""The seeded simulated store that `simulate-store` serves and `demo` sells from: its options
and the store they describe."""

from __future__ import annotations

import argparse

from wooconnect.adapters.woocommerce.simulator import SimulatedStore, StoreSettings, seed_store


def add_store_options(
    parser: argparse.ArgumentParser, *, customers: int, orders: int, seed: int
) -> None:
    """`--customers`, `--orders` and `--seed`, with the command's defaults."""
    parser.add_argument(
        "--customers", type=int, default=customers, help="seeded store users (all roles)"
    )
    parser.add_argument(
        "--orders", type=int, default=orders, help="seeded store orders (+ refunds)"
    )
    parser.add_argument(
        "--seed", type=int, default=seed, help="seed: the same seed, the same store"
    )


def seeded_store(args: argparse.Namespace, settings: StoreSettings) -> SimulatedStore:
    """A store presenting itself as `settings` says, seeded as the options say."""
    store = SimulatedStore(settings, seed=args.seed)
    seed_store(store, customers=args.customers, orders=args.orders, seed=args.seed)
    return store
