"""Which statuses are not orders yet and which are paid comes from the `order_stage` rules:
a rule author changes them in `rules/`, not in the code."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.app.conftest import RULES, make_world, order
from tests.app.test_live_sync import deliver, drain, live, order_body, triggers
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.app.ports.persistence import PageRequest
from wooconnect.app.ports.rules import RULE_SET_IDS

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rules_with_stages(tmp_path: Path, rows: dict[str, str]) -> FileRuleSource:
    """The shipped rules, with `rows` added to the order stage rules' first table."""
    directory = tmp_path / "rules"
    shutil.copytree(RULES, directory)
    stage = directory / "order_stage.yaml"
    extra = "".join(f"        {status}: {value}\n" for status, value in rows.items())
    text = stage.read_text()
    marker = "        checkout-draft: not_an_order\n"
    stage.write_text(text.replace(marker, marker + extra, 1))
    source = FileRuleSource(directory, required=RULE_SET_IDS)
    source.load()
    return source


async def test_a_status_the_rules_call_not_an_order_yet_is_never_stored(tmp_path: Path) -> None:
    world = make_world(rules_with_stages(tmp_path, {"quote": "not_an_order"}))
    world.store.orders_ = [order(10, status="quote"), order(11, status="processing")]
    _agency, location = await world.agency_with_location()
    connection = await world.connected(location)
    await world.run_queued()
    await deliver(world, connection, "order.created", order_body(12, status="quote"))
    await drain(world)
    async with world.uow() as uow:
        stored = (await uow.orders.list(location, PageRequest(limit=10))).items
    assert [o.woocommerce_order_id for o in stored] == [11]


async def test_an_order_in_a_status_the_rules_call_paid_was_paid_already(tmp_path: Path) -> None:
    world = make_world(rules_with_stages(tmp_path, {"shipped": "paid"}))
    location, connection = await live(world)
    await deliver(world, connection, "order.created", order_body(900, status="shipped"))
    await drain(world)
    paid_at = T0 + timedelta(minutes=5)
    completed = order_body(900, status="completed", paid=paid_at, modified=paid_at)
    await deliver(world, connection, "order.updated", completed)
    await drain(world)
    assert await triggers(world, location) == ["order_submitted"]
