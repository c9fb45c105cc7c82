"""Run every benchmark and keep its figures.

    python benchmarks/run_all.py [NAME ...] [--results DIR]

Runs `benchmarks/<name>.py` for each benchmark (all of them, one after the other, by
default), shows their output as they go, and writes the JSON object each prints as its last
line to `DIR/<name>.json` (`benchmarks/results/` by default, which git ignores). Exits with 1
if a benchmark failed or printed no JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCHMARKS = ("rules", "import", "webhooks", "tenants")


def run(name: str, results: Path) -> bool:
    """Run one benchmark; True when it printed its JSON, which is then saved."""
    print(f"== {name}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / ".ci" / "pythonpath")}
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, str(HERE / f"{name}.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    print(process.stdout, end="", flush=True)
    lines = process.stdout.strip().splitlines()
    if process.returncode != 0 or not lines:
        print(f"{name}: failed (exit {process.returncode})", file=sys.stderr)
        return False
    try:
        figures = json.loads(lines[-1])
    except json.JSONDecodeError:
        print(f"{name}: the last line is not JSON", file=sys.stderr)
        return False
    figures["benchmark_seconds"] = round(time.monotonic() - started, 1)
    (results / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(BENCHMARKS)}")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    args.results.mkdir(parents=True, exist_ok=True)
    failed = [name for name in names if not run(name, args.results)]
    print(f"figures in {args.results}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
