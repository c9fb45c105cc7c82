"""`wooconnect rules check|test|explain`: the rule author's tools.

    rules check [DIR]                  validate every rule file; errors as file:line:column
    rules test [DIR]                   run the examples in the files and report coverage
    rules explain RULE_SET FACTS.json  evaluate one rule set and print the decision and trace

DIR defaults to `WOOCONNECT_RULES_DIR`, else `./rules`, else the rules shipped with wooconnect.
Each exits 0 on success, 1 on failure, 2 when DIR does not exist.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from wooconnect.adapters.rules_yaml import RuleLoadError, load_rule_book
from wooconnect.adapters.settings import default_rules_dir
from wooconnect.domain.rules import Evaluation, RuleBook, RuleError, flatten_facts, run_examples

ENV_DIR = "WOOCONNECT_RULES_DIR"
DIR_HELP = f"rules directory (default: ${ENV_DIR}, else ./rules, else the shipped rules)"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `rules` and its sub-commands to the `wooconnect` parser."""
    rules = subparsers.add_parser("rules", help="check, test and explain the rule files")
    commands = rules.add_subparsers(dest="rules_command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="validate the rule files")
    check.add_argument("dir", nargs="?", type=Path, help=DIR_HELP)
    check.set_defaults(handler=check_rules)

    test = commands.add_parser("test", help="run the examples in the rule files, with coverage")
    test.add_argument("dir", nargs="?", type=Path, help=DIR_HELP)
    test.add_argument(
        "--allow-uncovered",
        action="store_true",
        help="report rules no example exercises without failing",
    )
    test.set_defaults(handler=run_rule_tests)

    explain = commands.add_parser("explain", help="evaluate a rule set and show why")
    explain.add_argument("rule_set", metavar="RULE_SET", help="rule set id, e.g. order_status")
    explain.add_argument(
        "facts",
        metavar="FACTS.json",
        help="facts as JSON (flat dotted names or nested; - for stdin)",
    )
    explain.add_argument("--dir", type=Path, help=DIR_HELP)
    explain.add_argument("--agency", help="evaluate this agency's override, if it has one")
    explain.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    explain.set_defaults(handler=explain_decision)


def rules_dir(given: Path | None) -> Path:
    """The directory to use: the argument, else `WOOCONNECT_RULES_DIR`, else `./rules`, else
    the rules shipped with wooconnect."""
    if given is not None:
        return given
    configured = os.environ.get(ENV_DIR)
    return Path(configured) if configured else default_rules_dir()


def _book(given: Path | None, err: TextIO) -> RuleBook | int:
    """The rule book in the rules directory; else, once the reason is printed, the exit
    status: 2 when the directory does not exist (a mistake in how the command was called,
    not a broken rule file), 1 when its rules do not load."""
    directory = rules_dir(given)
    if not directory.is_dir():
        print(f"wooconnect: the rules directory {directory} does not exist", file=err)
        return 2
    try:
        return load_rule_book(directory)
    except RuleLoadError as exc:
        for error in exc.errors:
            print(error, file=err)
        count = len(exc.errors)
        print(
            f"\n{count} error{'s' if count != 1 else ''}; the rules in {directory} cannot be used",
            file=err,
        )
        return 1


def check_rules(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Validate a rules directory; print every error, or a summary of what loaded."""
    out, err = out or sys.stdout, err or sys.stderr
    book = _book(args.dir, err)
    if isinstance(book, int):
        return book
    for agency_id, rule_set in book.all_rule_sets():
        scope = f" (agency {agency_id})" if agency_id else ""
        rules = len(rule_set.definition.rules)
        print(
            f"ok  {rule_set.id}{scope}: {rules} rule{'s' if rules != 1 else ''}, "
            f"{rule_set.hit_policy.value}, version {rule_set.version}  [{rule_set.file}]",
            file=out,
        )
    directory = rules_dir(args.dir)
    print(f"\nall rule files in {directory} are valid; rule book version {book.version}", file=out)
    return 0


def run_rule_tests(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run every rule set's examples; fail on a wrong decision or, unless allowed, on rules
    that no example exercises."""
    out, err = out or sys.stdout, err or sys.stderr
    book = _book(args.dir, err)
    if isinstance(book, int):
        return book
    failed = uncovered = examples = 0
    for agency_id, rule_set in book.all_rule_sets():
        report = run_examples(rule_set)
        scope = f" (agency {agency_id})" if agency_id else ""
        total_items = len(report.covered) + len(report.uncovered)
        status = "ok  " if report.ok and report.fully_covered else "FAIL"
        if report.ok and not report.fully_covered and args.allow_uncovered:
            status = "warn"
        ran = len(rule_set.definition.examples)
        examples += ran
        print(
            f"{status} {rule_set.id}{scope}: {report.passed}/{ran} examples passed, "
            f"coverage {len(report.covered)}/{total_items}  [{rule_set.file}]",
            file=out,
        )
        for failure in report.failures:
            print(f"       {failure}", file=out)
        if report.uncovered:
            print(f"       not exercised by any example: {', '.join(report.uncovered)}", file=out)
        failed += len(report.failures)
        uncovered += len(report.uncovered)
    print(
        f"\n{examples} examples, {failed} failed; {uncovered} rule(s) or table row(s) uncovered",
        file=out,
    )
    if failed or (uncovered and not args.allow_uncovered):
        return 1
    return 0


def explain_decision(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Evaluate one rule set against facts from a JSON file and print the decision and trace."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        text = sys.stdin.read() if args.facts == "-" else Path(args.facts).read_text("utf-8")
        raw = json.loads(text)
    except OSError as exc:
        print(f"{args.facts}: cannot read: {exc.strerror}", file=err)
        return 1
    except json.JSONDecodeError as exc:
        print(f"{args.facts}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}", file=err)
        return 1
    if not isinstance(raw, dict):
        print(f"{args.facts}: the facts must be a JSON object", file=err)
        return 1
    book = _book(args.dir, err)
    if isinstance(book, int):
        return book
    try:
        evaluation = book.evaluate(args.rule_set, flatten_facts(raw), agency_id=args.agency)
    except RuleError as exc:
        print(f"error: {exc}", file=err)
        return 1
    if args.json:
        print(json.dumps(evaluation.to_dict(), indent=2), file=out)
    else:
        print(format_evaluation(evaluation, book.get(args.rule_set, args.agency).file), file=out)
    return 0


def format_evaluation(evaluation: Evaluation, file: str) -> str:
    """A person's view of an evaluation: decision, deciding rule, and every traced condition."""
    trace = evaluation.trace
    lines = [
        f"rule set  {trace.rule_set}  version {trace.version}  ({trace.hit_policy})  [{file}]",
        f"decision  {json.dumps(evaluation.decision)}  (outcome: {evaluation.outcome})",
        f"matched   {', '.join(trace.matched) or '(none)'}",
    ]
    if evaluation.message:
        lines.append(f"because   {evaluation.message}")
    if trace.conditions:
        lines.append("conditions")
        for c in trace.conditions:
            mark = "pass" if c.ok else "fail"
            actual = json.dumps(c.to_dict()["actual"])
            expected = json.dumps(c.to_dict()["expected"])
            lines.append(f"  {mark}  {c.rule}: {c.field} {c.op} {expected}  (actual {actual})")
    return "\n".join(lines)
