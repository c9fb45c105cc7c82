"""The rule sets in force, and explaining a decision for given facts."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from wooconnect.adapters.http.deps import RULES, Caller, Injected
from wooconnect.adapters.http.guards import ApiController
from wooconnect.adapters.http.schemas import iso
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.app.errors import ValidationFailed
from wooconnect.domain.rules.errors import FactsError, UnknownRuleSet
from wooconnect.domain.rules.facts import flatten_facts


class EvaluateIn(msgspec.Struct, forbid_unknown_fields=True):
    rule_set: str
    facts: dict[str, Any]
    agency_id: str | None = None


class RulesController(ApiController):
    path = "/api/v1/rules"
    tags = ["rules"]
    dependencies = RULES

    @get("/", operation_id="listRules", summary="The loaded rule sets, their version and state")
    async def list_rules(
        self, rules: Injected[FileRuleSource], principal: Caller
    ) -> dict[str, Any]:
        book = rules.current()
        return {
            "version": book.version,
            "loaded_at": iso(rules.loaded_at),
            "checked_at": iso(rules.checked_at),
            "errors": list(rules.last_errors),
            "rule_sets": [
                {**rule_set.describe(), "agency_id": agency}
                for agency, rule_set in book.all_rule_sets()
            ],
        }

    @post(
        "/evaluate",
        operation_id="evaluateRules",
        summary="Evaluate a rule set on given facts: the decision and its trace",
        status_code=HTTP_200_OK,
    )
    async def evaluate(
        self, rules: Injected[FileRuleSource], principal: Caller, data: JSONBody[EvaluateIn]
    ) -> dict[str, Any]:
        agency_id = data.agency_id
        if principal.agency_id is not None:
            principal.require_agency(agency_id or principal.agency_id)
            agency_id = principal.agency_id
        book = rules.current()
        try:
            evaluation = book.evaluate(
                data.rule_set, flatten_facts(data.facts), agency_id=agency_id
            )
        except UnknownRuleSet as exc:
            raise ValidationFailed(str(exc), {"rule_set": str(exc)}) from None
        except FactsError as exc:
            raise ValidationFailed(str(exc), {"facts": str(exc)}) from None
        return evaluation.to_dict()
