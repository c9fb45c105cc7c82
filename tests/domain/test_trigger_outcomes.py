"""What became of a trigger, as the decisions log says it: fired, already fired, suppressed by
its switch, or not eligible."""

from __future__ import annotations

import pytest

from wooconnect.domain.triggers import TriggerOutcome


@pytest.mark.parametrize(
    ("fires", "switched_on", "recorded", "outcome"),
    [
        (True, True, True, TriggerOutcome.FIRED),
        (True, True, False, TriggerOutcome.ALREADY_FIRED),
        (False, False, False, TriggerOutcome.SUPPRESSED),
        (False, True, False, TriggerOutcome.NOT_ELIGIBLE),
    ],
)
def test_a_trigger_s_outcome_follows_the_rules_its_switch_and_whether_it_fired_before(
    fires: bool, switched_on: bool, recorded: bool, outcome: TriggerOutcome
) -> None:
    assert TriggerOutcome.of(fires=fires, switched_on=switched_on, recorded=recorded) is outcome
