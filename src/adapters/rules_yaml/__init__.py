"""Rule files in YAML: loading, validation with `file:line:column` messages, and hot reload."""

from wooconnect.adapters.rules_yaml.loader import (
    RuleLoadError,
    load_rule_book,
    load_rule_file,
    parse_rule_set,
)
from wooconnect.adapters.rules_yaml.source import FileRuleSource

__all__ = ["FileRuleSource", "RuleLoadError", "load_rule_book", "load_rule_file", "parse_rule_set"]
