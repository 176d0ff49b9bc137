"""Root-cause tasks on each backend: stages in order, verification marked done by the job when
the watched series (quality complaints per 1,000 orders delivered for the SKU and batch, read
through insights) stays under the baseline for N weeks, and trace back and forward exactly as a
straight SQL query finds them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from careloop.alerts import capa, capa_trace
from careloop.alerts.capa_schemas import CapaCreate, VerificationIn
from careloop.alerts.capa_tables import CapaStage, CapaTask, CapaVerification
from careloop.alerts.capa_verify import verify_capa_tasks
from careloop.errors import Conflict
from careloop.insights.refresh import rebuild_rollups
from careloop.storage.audit import AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets import commerce
from careloop.tickets.commerce_schemas import OrderUpsert
from careloop.tickets.schemas import TicketCreate
from tests.factories import ACTOR

SKU = "WIG-BW-16-NAT"
WEEK = timedelta(days=7)
H = timedelta(hours=1)


class Seeder:
    """Orders delivered and complaints filed at chosen instants."""

    def __init__(self, db) -> None:
        self.db = db
        self.n = 0

    def order(self, at, batch, *, delivered=True, lines=1, qty=1, country="US", language="en"):
        self.n += 1
        ship = {
            "carrier": "UPS",
            "status": "delivered" if delivered else "in_transit",
            "shipped_at": (at - H).isoformat(),
        }
        if delivered:
            ship["delivered_at"] = at.isoformat()
        data = OrderUpsert.model_validate(
            {
                "number": f"#{self.n}",
                "currency": "USD",
                "total_amount": "10.00",
                "country": country,
                "placed_at": (at - 2 * H).isoformat(),
                "customer": {
                    "email": f"c{self.n}@example.com",
                    "name": f"C {self.n}",
                    "language": language,
                    "source": "shop",
                    "external_id": f"c{self.n}",
                },
                "line_items": [
                    {
                        "external_id": f"{self.n}-{k}",
                        "sku": SKU,
                        "batch": batch,
                        "quantity": qty,
                        "unit_price": "5.00",
                    }
                    for k in range(lines)
                ]
                + [
                    {
                        "external_id": f"{self.n}-x",
                        "sku": "CAP-MESH-M",
                        "quantity": 1,
                        "unit_price": "1.00",
                    }
                ],
                "shipments": [ship],
            }
        )
        order, _ = commerce.upsert_order(
            self.db, actor=ACTOR, now=at, source="shop", external_id=f"o{self.n}", data=data
        )
        return order

    def complaint(self, at, batch, **fields):
        data = TicketCreate.model_validate(
            {
                "subject": "Lace tore",
                "body": "It tore.",
                "category": "quality",
                "sku": SKU,
                "batch": batch,
                **fields,
            }
        )
        ticket, _ = tickets.create_ticket(self.db, actor=ACTOR, now=at, data=data)
        return ticket

    def week(self, start, batch, orders, complaints):
        for k in range(orders):
            self.order(start + H * (2 + k), batch)
        for k in range(complaints):
            self.complaint(start + H * (30 + k), batch)


def open_task(db, clock, **kw):
    data = CapaCreate(title="Lace tears", category="quality", sku=SKU, batch="B2", **kw)
    return capa.open_capa_task(db, actor=ACTOR, now=clock.now(), data=data)


def done(db, clock, task_id, *stages):
    for stage in stages:
        capa.complete_stage(db, actor=ACTOR, now=clock.now(), task_id=task_id, stage=stage)


def test_stages_wait_for_the_ones_before_and_closure_for_verification(db, clock):
    task_id = open_task(db, clock)
    with pytest.raises(Conflict):
        done(db, clock, task_id, "d2")
    done(db, clock, task_id, "d1", "d2", "d4")
    with pytest.raises(Conflict):
        done(db, clock, task_id, "d5")  # containment (D3) is not done
    done(db, clock, task_id, "d3", "d5", "d7")
    with pytest.raises(Conflict):
        capa.close_capa_task(db, actor=ACTOR, now=clock.now(), task_id=task_id)
    done(db, clock, task_id, "d6")
    capa.close_capa_task(db, actor=ACTOR, now=clock.now(), task_id=task_id)
    with db.read() as s:
        task = s.get(CapaTask, task_id)
        assert task.closed_at == clock.now() and task.stage == "d8"
        actions = list(
            s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.entity_type == "capa_task", AuditEntry.entity_id == task_id
                )
            )
        )
    assert actions[0] == "capa.opened" and actions[-1] == "capa.d8.done" and len(actions) == 9


def test_verification_is_marked_done_after_n_weeks_under_the_baseline(db, clock):
    seed = Seeder(db)
    onset = clock.now()
    # Four weeks before the problem: batch B1 of the SKU, 1 complaint per 10 orders (100/1,000).
    for w in range(4, 0, -1):
        seed.week(onset - w * WEEK, "B1", orders=10, complaints=1)
    # The problem: batch B2, 5 complaints per 10 orders.
    seed.week(onset, "B2", orders=10, complaints=5)
    clock.advance(WEEK)
    task_id = open_task(
        db,
        clock,
        verification=VerificationIn(
            filters={"sku": [SKU], "batch": ["B2"], "category": ["quality"]},
            weeks=2,
            problem_started_at=onset,
        ),
    )
    rebuild_rollups(db)
    done(db, clock, task_id, "d1", "d2", "d3", "d4", "d5")
    started = clock.now()
    with db.read() as s:
        v = s.get(CapaVerification, task_id)
        # B2 had no deliveries before the onset: the SKU's rate across batches stands in.
        assert (v.started_at, v.baseline) == (started, pytest.approx(100.0))
    anchor = started  # a whole hour already
    seed.week(anchor, "B2", orders=10, complaints=3)  # 300: still above
    seed.week(anchor + WEEK, "B2", orders=10, complaints=1)  # 100: at the baseline
    seed.week(anchor + 2 * WEEK, "B2", orders=20, complaints=1)  # 50: under
    rebuild_rollups(db)

    assert verify_capa_tasks(db, anchor + WEEK + H) == 0  # one week: too early for two
    assert verify_capa_tasks(db, anchor + 2 * WEEK) == 0  # 300 then 100
    with db.read() as s:
        v = s.get(CapaVerification, task_id)
        assert [w["value"] for w in v.last_values] == [pytest.approx(300.0), pytest.approx(100.0)]
        assert v.weeks_under == 1 and s.get(CapaStage, (task_id, "d6")).done_at is None
    at = anchor + 3 * WEEK
    assert verify_capa_tasks(db, at) == 1
    assert verify_capa_tasks(db, at + H) == 0  # done once
    with db.read() as s:
        stage = s.get(CapaStage, (task_id, "d6"))
        assert (stage.done_at, stage.done_by_id, stage.done_by_label) == (at, None, "system")
        assert s.get(CapaTask, task_id).stage == "d7"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "capa.d6.verified")).one()
        assert (entry.entity_id, entry.actor_id, entry.actor_label) == (task_id, None, "system")


def test_verification_with_a_given_bound_and_no_deliveries_does_not_pass(db, clock):
    task_id = open_task(
        db,
        clock,
        verification=VerificationIn(filters={"sku": [SKU], "batch": ["B9"]}, weeks=1, bound=10.0),
    )
    done(db, clock, task_id, "d1", "d2", "d3", "d4", "d5")
    # No deliveries at all in the watched week: no evidence, so no verdict.
    assert verify_capa_tasks(db, clock.now() + 2 * WEEK) == 0


STRAIGHT_FORWARD = """
SELECT o.id, o.number, c.email, COALESCE(c.country, o.country), c.language,
       SUM(li.quantity)
FROM line_items li JOIN orders o ON o.id = li.order_id LEFT JOIN customers c ON c.id = o.customer_id
WHERE li.sku = :sku AND li.batch = :batch
  AND o.id IN (SELECT order_id FROM shipments WHERE delivered_at IS NOT NULL)
GROUP BY o.id, o.number, c.email, c.country, o.country, c.language
ORDER BY o.id
"""
STRAIGHT_BACK = """
SELECT t.id FROM tickets t LEFT JOIN line_items li ON li.id = t.line_item_id
WHERE (t.sku = :sku AND t.batch = :batch) OR (li.sku = :sku AND li.batch = :batch)
ORDER BY t.id DESC
"""


def test_trace_back_and_forward_match_a_straight_query(db, clock):
    seed = Seeder(db)
    at = clock.now() - 10 * WEEK
    orders = []
    for k in range(23):
        batch = ("B1", "B2", "B2")[k % 3]
        orders.append(
            seed.order(
                at + k * H,
                batch,
                delivered=k % 5 != 0,
                lines=1 + k % 2,
                qty=1 + k % 3,
                country=("US", "NG", "DE")[k % 3],
                language=("en", "yo", "de")[k % 3],
            )
        )
    by_line = seed.complaint(at + 30 * H, "B2")  # said on the ticket
    via_item = orders[2]  # a B2 order
    line = via_item.line_items[0]
    complaint_line = tickets.create_ticket(
        db,
        actor=ACTOR,
        now=at + 31 * H,
        data=TicketCreate(
            subject="Shedding",
            body="Hair falls out",
            order_id=via_item.id,
            line_item_id=line.id,
            category="quality",
        ),
    )[0]
    seed.complaint(at + 32 * H, "B1")

    pages, after = [], None
    while True:
        page = capa_trace.trace_forward(db, SKU, "B2", limit=4, after=after)
        pages.extend(page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    with db.read() as s:
        straight = s.execute(text(STRAIGHT_FORWARD), {"sku": SKU, "batch": "B2"}).all()
        back = [r[0] for r in s.execute(text(STRAIGHT_BACK), {"sku": SKU, "batch": "B2"})]
    got = [(r.order_id, r.order_number, r.email, r.country, r.language, r.units) for r in pages]
    assert got == [tuple(r) for r in straight] and len(got) > 8
    assert (page.orders, page.units) == (len(straight), sum(r[5] for r in straight))
    assert page.customers == len({r[2] for r in straight})
    csv_text = b"".join(capa_trace.csv_chunks(db, SKU, "B2")).decode()
    assert len(csv_text.strip().splitlines()) == len(straight) + 1

    traced = capa_trace.trace_back(db, complaint_line.id)
    assert (traced.order_id, traced.line_item_id, traced.sku, traced.batch) == (
        via_item.id,
        line.id,
        SKU,
        "B2",
    )
    assert traced.complaints_on_batch == len(back) == 2
    assert [c["id"] for c in traced.other_complaints] == [by_line.id]
