"""Reliability drills on the sync side: a worker killed mid-burst, Redis stopped or restarted
under a burst of deliveries, a rule file broken while running, and sustained traffic with
dropped deliveries while reconciliations run and a worker is killed. Each ends with the
location equal to the store, no duplicate, no lost delivery and no doubled trigger."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest

from tests.support.api import NO_IMPORTS, Api, Linked
from tests.support.expectations import (
    BUYER_ROLES,
    assert_location_equals_store,
    delivery_states,
    expected_triggers,
    location_matches_store,
    store_differences,
    trigger_counts,
)
from tests.support.service import Service
from tests.support.store import StoreUnderTest, seeded_store, store_under_test
from tests.support.waiting import eventually
from wooconnect.adapters.woocommerce.simulator import SimulatedStore, running_simulator

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def assert_triggers_fired_once(service: Service, linked: Linked, shop: StoreUnderTest) -> None:
    assert trigger_counts(service.api, linked) == expected_triggers(shop.store)


def applied(service: Service, linked: Linked) -> int:
    return sum(d["status"] == "applied" for d in service.api.deliveries(linked))


def burst(shop: StoreUnderTest, count: int, tag: str) -> list[int]:
    return [shop.guest_order(f"{tag}{i}@example.com") for i in range(count)]


def test_a_worker_killed_while_processing_deliveries_loses_and_doubles_nothing(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=21) as shop:
        linked = api.link(shop.sim, shop.keys)
        orders = burst(shop, 120, "kill")
        eventually(lambda: applied(service, linked) >= 10, what="processing under way")
        service.kill_workers()
        assert applied(service, linked) < len(orders), "the burst ended before the kill"

        service.start_worker()
        assert_location_equals_store(api, linked, shop.store)
        assert len(api.deliveries(linked)) == len(orders)
        assert_triggers_fired_once(service, linked, shop)


def test_redis_down_during_a_burst_of_200_deliveries_accepts_stores_and_later_applies_all(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=22) as shop:
        linked = api.link(shop.sim, shop.keys)
        service.redis.stop()
        burst(shop, 200, "down")
        eventually(
            lambda: len(shop.deliveries()) == 200,
            what="200 deliveries made",
            progress=lambda: len(shop.deliveries()),
        )
        assert {d.status_code for d in shop.deliveries()} == {200}
        inbox = api.deliveries(linked)
        assert len(inbox) == 200
        assert {d["status"] for d in inbox} == {"pending"}

        service.redis.start()
        assert_location_equals_store(api, linked, shop.store)
        assert {d["status"] for d in api.deliveries(linked)} == {"applied"}
        assert_triggers_fired_once(service, linked, shop)


def test_redis_restarted_during_a_delivery_burst_loses_and_doubles_nothing(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=23) as shop:
        linked = api.link(shop.sim, shop.keys)
        orders = burst(shop, 150, "restart")
        eventually(lambda: len(shop.deliveries()) >= 30, what="the burst under way")
        service.redis.stop()  # whatever it held is gone: no persistence
        service.redis.start()
        eventually(
            lambda: len(shop.deliveries()) == 150,
            what="150 deliveries made",
            progress=lambda: len(shop.deliveries()),
        )
        assert {d.status_code for d in shop.deliveries()} == {200}

        assert_location_equals_store(api, linked, shop.store)
        assert len(api.deliveries(linked)) == len(orders)
        assert_triggers_fired_once(service, linked, shop)


def test_a_rule_file_broken_while_running_leaves_the_last_good_rules_in_force(
    service: Service,
) -> None:
    api = service.api
    mapping = service.rules_dir / "order_status.yaml"
    good = mapping.read_text()
    with store_under_test(seed=24) as shop:
        linked = api.link(shop.sim, shop.keys)
        try:
            mapping.write_text(good.replace("rules:", "rules: [", 1))
            eventually(lambda: api.call("GET", "/api/v1/rules")["errors"], what="API noticed")
            eventually(lambda: "not reloaded" in service.worker_logs, what="worker noticed")

            statuses = ["completed", "cancelled", "failed", "on-hold", "refunded", "pending"]
            for i, status in enumerate(statuses):
                shop.guest_order(f"rules{i}@example.com", status=status)
            assert_location_equals_store(api, linked, shop.store)
            assert_triggers_fired_once(service, linked, shop)
        finally:
            mapping.write_text(good)
        eventually(lambda: not api.call("GET", "/api/v1/rules")["errors"], what="rules fixed")


# -- sustained traffic, dropped deliveries, reconciliations and a killed worker ---------------

TRAFFIC_S = 15.0
EVENTS_PER_S = 30.0
DROPPED_SHARE = 0.2
RECONCILE_EVERY_S = 2.0
KILL_AT_S = 6.0
DEADLOCK = "deadlock detected"


class Traffic:
    """A busy store, driven from a thread: orders placed by registered customers and guests,
    paid, completed, cancelled and refunded; customers renamed (their later orders still
    carry the billing name they had); a share of the webhook deliveries dropped."""

    def __init__(self, store: SimulatedStore, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        with store.lock:
            self.buyers = sorted(
                c.id for c in store.customers.values() if c.role in BUYER_ROLES and c.email
            )
        self.open: list[int] = []
        self.paid: list[int] = []
        self.events = 0
        self.renamed: dict[int, float] = {}  # customer id: when it was last renamed
        self.stop = threading.Event()
        self.failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, name="drill-traffic", daemon=True)

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        if self.failure:
            raise AssertionError(f"the traffic failed: {self.failure[0]!r}")

    def _run(self) -> None:
        try:
            while not self.stop.wait(1 / EVENTS_PER_S):
                self.step()
        except BaseException as exc:
            self.failure.append(exc)

    def step(self) -> None:
        rng, store = self.rng, self.store
        if rng.random() < DROPPED_SHARE:
            with store.lock:
                store.faults.drop_deliveries += 1  # the store's next delivery is lost
        self.events += 1
        n, roll = self.events, rng.random()
        if roll < 0.3:
            buyer = rng.choice(self.buyers)
            status = rng.choice(["pending", "processing"])
            self._placed(store.create_order(customer_id=buyer, status=status).id, status)
        elif roll < 0.5:
            billing = {"email": f"guest{n}@drill.test", "first_name": "Guest", "last_name": f"{n}"}
            status = rng.choice(["pending", "processing"])
            self._placed(store.create_order(billing=billing, status=status).id, status)
        elif roll < 0.7 and self.open:
            order = self.open.pop(rng.randrange(len(self.open)))
            status = rng.choice(["processing", "processing", "cancelled"])
            store.update_order(order, status=status)
            if status == "processing":
                self.paid.append(order)
        elif roll < 0.8 and self.paid:
            order = rng.choice(self.paid)
            store.update_order(order, status="completed")
        elif roll < 0.88 and self.paid:
            store.add_refund(self.paid.pop(rng.randrange(len(self.paid))), "1.00", "drill")
        else:
            # A customer may be renamed twice within a second: the store's modification times
            # have whole seconds, so both renames then carry the same version.
            buyer = rng.choice(self.buyers)
            store.update_customer(buyer, first_name=f"Renamed{n}", last_name=f"Person{n}")
            self.renamed[buyer] = time.monotonic()

    def _placed(self, order: int, status: str) -> None:
        (self.paid if status == "processing" else self.open).append(order)


def webhook_listings(shop: StoreUnderTest) -> int:
    """How often the service listed the store's webhooks: each reconciliation task ends with
    that health check, so this counts finished reconciliations."""
    with shop.store.lock:
        return sum(
            method == "GET" and path.rstrip("/").endswith("/webhooks")
            for method, path, _query in shop.store.request_log
        )


def deadlocks(service: Service) -> list[str]:
    """The lines of the API's and the workers' logs that report a deadlock."""
    return [line for line in service.logs.splitlines() if DEADLOCK in line]


def reconciliations_given_up(service: Service) -> list[str]:
    """The workers' log lines of reconciliation tasks that ran out of retries."""
    return [
        line
        for line in service.worker_logs.splitlines()
        if ("gave up after" in line and "sync.reconcile" in line) or "Retries exceeded" in line
    ]


def reconciliations_ended(service: Service, shop: StoreUnderTest) -> int:
    """Reconciliation tasks that ended: done (with their health check) or given up."""
    return webhook_listings(shop) + len(reconciliations_given_up(service))


def contact_findings(api: Api, linked: Linked, store: SimulatedStore) -> list[str]:
    """How the contacts differ from the store: each registered customer has one contact with
    the customer's own name, each guest e-mail one contact, and nobody has two."""
    with store.lock:
        names = {
            c.id: (c.first_name or c.billing["first_name"], c.last_name or c.billing["last_name"])
            for c in store.customers.values()
            if c.role in BUYER_ROLES and c.email
        }
        guests = {o.billing["email"] for o in store.orders.values() if o.customer_id == 0}
    contacts = api.all(linked, "contacts")
    findings = []
    by_customer = Counter(c["woocommerce_customer_id"] for c in contacts)
    if doubled := [cid for cid, n in by_customer.items() if cid and n > 1]:
        findings.append(f"customers with more than one contact: {doubled}")
    have = {
        c["woocommerce_customer_id"]: (c["first_name"], c["last_name"])
        for c in contacts
        if c["woocommerce_customer_id"]
    }
    wrong = {cid: (name, have.get(cid)) for cid, name in names.items() if have.get(cid) != name}
    if wrong:
        findings.append(f"contacts without their customer's name {{id: (store, CRM)}}: {wrong}")
    guest_contacts = Counter(c["email"] for c in contacts if not c["woocommerce_customer_id"])
    if set(guest_contacts) != guests or any(n > 1 for n in guest_contacts.values()):
        missing, extra = guests - set(guest_contacts), set(guest_contacts) - guests
        findings.append(f"guest contacts missing: {missing}; unexpected: {extra}")
    return findings


def test_traffic_with_dropped_deliveries_a_reconciliation_and_a_killed_worker_converges(
    service: Service,
) -> None:
    """Sustained store traffic, a fifth of its deliveries dropped, reconciliations running
    throughout and a worker SIGKILLed and restarted, on PostgreSQL. Afterwards one
    reconciliation repairs everything: every contact has its customer's name, every order,
    transaction and trigger is there once, and no process logged a deadlock."""
    api = service.api
    store = seeded_store(customers=30, orders=0, seed=41)
    key = store.create_api_key()
    with running_simulator(store) as sim:
        shop = StoreUnderTest(sim, (key.consumer_key, key.consumer_secret))
        linked = api.link(sim, shop.keys, imports={**NO_IMPORTS, "contacts": True})
        listed = webhook_listings(shop)
        requested = 0
        with Traffic(store, seed=41) as traffic:
            started = time.monotonic()
            killed = False
            while (elapsed := time.monotonic() - started) < TRAFFIC_S:
                if elapsed >= requested * RECONCILE_EVERY_S + 1:
                    api.reconcile(linked)
                    requested += 1
                if not killed and elapsed >= KILL_AT_S:
                    service.kill_workers()
                    killed = True
                    service.start_worker()
                time.sleep(0.1)
        assert traffic.renamed, "the traffic renamed some customers"
        assert sum(d.dropped for d in shop.deliveries()) > 0, "the store dropped deliveries"

        # Everything the store sent has been processed, and the reconciliations asked for
        # during the traffic have finished.
        store.faults.drop_deliveries = 0
        marker = shop.guest_order("last@drill.test")
        eventually(
            lambda: any(d.resource_id == marker for d in shop.deliveries()),
            what="the store delivered its last order",
        )

        # The store has made every delivery: each one it made was stored before its 200.
        def processed() -> bool:
            inbox = api.deliveries(linked)
            return any(d["resource_id"] == marker for d in inbox) and all(
                d["status"] != "pending" for d in inbox
            )

        eventually(
            processed,
            what="every stored delivery is processed",
            progress=lambda: delivery_states(api, linked),
        )
        eventually(
            lambda: reconciliations_ended(service, shop) >= listed + requested,
            what=f"the {requested} reconciliations asked for during the traffic have ended",
        )

        api.reconcile(linked)

        eventually(
            lambda: reconciliations_ended(service, shop) >= listed + requested + 1,
            what="one more reconciliation has ended",
        )

        # Every finding at once: each one names a different defect.
        findings = contact_findings(api, linked, store)
        if not location_matches_store(api, linked, store):
            findings.append(store_differences(api, linked, store))
        fired, wanted = trigger_counts(api, linked), expected_triggers(store)
        if fired != wanted:
            differing = {k: (fired[k], wanted[k]) for k in fired | wanted if fired[k] != wanted[k]}
            findings.append(f"triggers fired not once each (fired, expected): {differing}")
        if given_up := reconciliations_given_up(service):
            findings.append(f"{len(given_up)} reconciliations gave up:\n" + "\n".join(given_up))
        if lines := deadlocks(service):
            findings.append(f"{len(lines)} log lines report a deadlock:\n" + "\n".join(lines[:6]))
        assert not findings, "\n\n".join(findings)
