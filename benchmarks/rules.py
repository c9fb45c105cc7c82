"""Evaluations per second of the shipped rule sets (tracing on) against hand-written Python.

    python benchmarks/rules.py [--seconds S] [--repeats N] [--rules DIR]

Measures, in one run and interleaved so that machine noise hits both alike: the shipped
`order_status` and `customer_eligibility` rule sets through `RuleSet.evaluate` (every call
builds an `Evaluation` that carries its trace), and a hand-written function for each (a dict
lookup; a closure over a frozenset). Each figure is the median of the repeats. The last line
of stdout is one JSON object with the figures and their ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from wooconnect.adapters.rules_yaml import load_rule_book

Facts = Mapping[str, object]

STATUSES = [
    "completed",
    "processing",
    "pending",
    "refunded",
    "on-hold",
    "cancelled",
    "failed",
    "shipped",
]
CUSTOMERS = [
    {"customer.role": role, "customer.email": email}
    for role in ("customer", "subscriber", "administrator", "customer")
    for email in ("ann@example.com", "")
]


def handwritten_status() -> Callable[[Mapping[str, Any]], str]:
    """The status mapping as a person would write it: one dict lookup."""
    table = {
        "completed": "completed",
        "refunded": "completed",
        "cancelled": "cancelled",
        "failed": "cancelled",
    }
    get = table.get

    def status(facts: Mapping[str, Any]) -> str:
        return get(facts["order.status"], "pending")

    return status


def handwritten_eligibility() -> Callable[[Mapping[str, Any]], bool]:
    """Eligibility as a closure: the role is importable and the e-mail is not empty."""
    roles = frozenset({"customer", "subscriber"})

    def eligible(facts: Mapping[str, Any]) -> bool:
        return facts["customer.role"] in roles and bool(facts["customer.email"])

    return eligible


def rate(fn: Callable[[Facts], object], inputs: Sequence[Facts], seconds: float) -> float:
    """Calls per second of `fn` over `inputs`, run for about `seconds`."""
    calls = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection landing in one figure but not the other would skew the ratio
    try:
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for facts in inputs:
                fn(facts)
            calls += len(inputs)
            now = time.perf_counter()
            if now >= deadline:
                return calls / (now - start)
    finally:
        if gc_was_enabled:
            gc.enable()


def measure(
    cases: dict[str, tuple[Callable[[Facts], object], Sequence[Facts]]],
    seconds: float,
    repeats: int,
) -> dict[str, float]:
    """Median rate of each case; the cases take turns within every repeat."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (fn, inputs) in cases.items():
            samples[name].append(rate(fn, inputs, seconds))
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="per measurement (0.5)")
    parser.add_argument("--repeats", type=int, default=5, help="measurements per figure (5)")
    parser.add_argument("--rules", type=Path, default=Path(__file__).resolve().parents[1] / "rules")
    args = parser.parse_args(argv)

    book = load_rule_book(args.rules)
    status_set = book.get("order_status")
    eligibility_set = book.get("customer_eligibility")
    statuses = [{"order.status": status} for status in STATUSES]

    # The engine and the baselines must agree before their speeds mean anything.
    status_baseline, eligibility_baseline = handwritten_status(), handwritten_eligibility()
    for facts in statuses:
        assert status_set.evaluate(facts).decision == status_baseline(facts)
        assert status_set.evaluate(facts).trace.matched  # tracing is on
    for facts in CUSTOMERS:
        assert (eligibility_set.evaluate(facts).decision == "import") == eligibility_baseline(facts)

    figures = measure(
        {
            "engine_status": (status_set.evaluate, statuses),
            "handwritten_status": (status_baseline, statuses),
            "engine_eligibility": (eligibility_set.evaluate, CUSTOMERS),
            "handwritten_eligibility": (eligibility_baseline, CUSTOMERS),
        },
        args.seconds,
        args.repeats,
    )
    result: dict[str, object] = {
        "python": platform.python_version(),
        "trace": True,
        "seconds_per_measurement": args.seconds,
        "repeats": args.repeats,
        "rule_book_version": book.version,
        "evals_per_s_engine_status": round(figures["engine_status"]),
        "evals_per_s_handwritten_status": round(figures["handwritten_status"]),
        "ratio_vs_handwritten_status": round(
            figures["engine_status"] / figures["handwritten_status"], 3
        ),
        "evals_per_s_engine_eligibility": round(figures["engine_eligibility"]),
        "evals_per_s_handwritten_eligibility": round(figures["handwritten_eligibility"]),
        "ratio_vs_handwritten_eligibility": round(
            figures["engine_eligibility"] / figures["handwritten_eligibility"], 3
        ),
    }
    for name in ("status", "eligibility"):
        print(
            f"{name:12} engine {result[f'evals_per_s_engine_{name}']:>12,} evals/s   "
            f"hand-written {result[f'evals_per_s_handwritten_{name}']:>12,} evals/s   "
            f"ratio {result[f'ratio_vs_handwritten_{name}']}"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
