"""What happens to orders after the sale: returns that move on with time, refunds, and the
financial status they leave. Tickets call these when they are solved; a few returns come
without any ticket."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from careloop.demo.orders import LinePlan, OrderPlan, RefundPlan, ReturnPlan
from careloop.demo.texts import BACKGROUND_RETURN_REASONS


def line_total(line: LinePlan) -> Decimal:
    return line.unit_price * line.quantity


def add_background_returns(orders: list[OrderPlan], seed: int, now: datetime) -> None:
    """A few returns that no ticket asked for: people change their minds."""
    rng = random.Random(f"{seed}:returns")
    for order in orders:
        draw, pick, delay = rng.random(), rng.randrange(100), rng.uniform(1, 9)
        delivered = order.shipment.delivered_at
        if draw > 0.025 or order.is_b2b or delivered is None:
            continue
        created = delivered + timedelta(days=delay)
        if created > now:
            continue
        reason, note = BACKGROUND_RETURN_REASONS[pick % len(BACKGROUND_RETURN_REASONS)]
        add_return(order, order.lines[pick % len(order.lines)], reason, note, created, now)


def add_return(
    order: OrderPlan,
    line: LinePlan,
    reason: str,
    note: str,
    created: datetime,
    now: datetime,
    *,
    refund: bool = True,
) -> None:
    """A return moves on with time; once received and checked, it is refunded (or, for an
    exchange, replaced: then no refund follows)."""
    age = now - created
    steps = ((2, "requested"), (5, "approved"), (10, "in_transit"), (14, "received"))
    status = next((s for days, s in steps if age < timedelta(days=days)), "refunded")
    if status == "refunded" and line.product.sku.startswith("ACC-") and reason == "changed_mind":
        status = "rejected"  # opened accessories cannot come back
    if status == "refunded" and not refund:
        status = "exchanged"
    order.returns.append(
        ReturnPlan(line, reason, note, status, created, f"R{order.key + 1}-{len(order.returns)}")
    )
    if status == "refunded":
        add_refund(order, f"Returned: {note}", line_total(line), created + timedelta(days=14))


def add_refund(order: OrderPlan, reason: str, amount: Decimal, created: datetime) -> None:
    amount = min(amount, order.total - sum((r.amount for r in order.refunds), Decimal(0)))
    if amount <= 0:
        return
    order.refunds.append(
        RefundPlan(reason, amount, created, f"RF{order.key + 1}-{len(order.refunds)}")
    )
    refunded = sum((r.amount for r in order.refunds), Decimal(0))
    order.financial_status = "refunded" if refunded >= order.total else "partially_refunded"
    order.updated_at = max(order.updated_at, created)
