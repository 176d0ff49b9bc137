"""The large demo's tickets, chosen from a chunk of orders: each order offers complaints it
could give rise to, weighted (a delivered unit can shed, a stuck parcel gets asked about), and
the chunk's quota of tickets is drawn from those offers by systematic sampling over offers
grouped by kind. Grouping keeps every group's share exact to within one ticket per chunk, so
the planted batch's three-fold complaint rate and the failing carrier's complaints show in a
GROUP BY even at test sizes. Tickets also leave their outcome on the order (refunds, returns)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from careloop.demo.large_calendar import DAY
from careloop.demo.large_life import Story, live
from careloop.demo.large_orders import Line, Order, Planted
from careloop.demo.people import STAFF, ascii_slug
from careloop.demo.texts import REFUND_REASONS, RETURN_REASONS, TEXTS
from careloop.demo.texts.kinds import Complaint, LanguageTexts

QUALITY_PER_UNIT = 0.11  # offer weight per delivered unit of hair (a salon's line counts 0.2)
OFFERS = {"wrong_item": 0.08, "size_color": 0.12, "not_as_described": 0.09}
LOGISTICS, TROUBLE, LATE = 0.22, 4.0, 2.5
REFUND, OTHER = 0.16, 0.11
AFTER_DELIVERY = {"quality", "wrong_item", "size_color", "not_as_described"}
_RARE = {"wholesale", "customs"}
_HOUR = 3600.0


@dataclass
class TicketPlan:
    """One ticket: what it is about and its story so far; ids are given when it is written."""

    category: str
    order: Order  # the order the customer wrote about (kept for brand and customer)
    linked: bool  # False: a question not about the order (order_id stays empty)
    line: Line | None
    complaint: Complaint
    values: dict[str, str]
    channel: str
    priority: str
    tags: list[str]
    fields: dict[str, Any]
    agent_name: str
    assignee: int | None
    planted: bool
    story: Story


class TicketMaker:
    def __init__(self, seed: int, planted: Planted, agents: dict[str, int], now: float) -> None:
        self.rng = random.Random(f"{seed}:large:tickets")
        self.planted, self.now = planted, now
        staff = [m for m in STAFF if m.role.value == "agent" and m.name in agents]
        self.agents = agents
        self.speakers = {
            lang: [m.name for m in staff if lang in m.languages] or [m.name for m in staff]
            for lang in TEXTS
        }
        self.counts = {"planted_quality": 0, "failure_logistics": 0}

    def offers(self, orders: list[Order]) -> dict[tuple[str, ...], list[tuple[float, Order, Any]]]:
        """Every complaint the orders could give rise to by now, grouped by kind."""
        groups: dict[tuple[str, ...], list[tuple[float, Order, Any]]] = {}
        late_enough = self.now - _HOUR
        for o in orders:
            if o.placed > late_enough:
                continue
            groups.setdefault(("refund",), []).append((REFUND, o, None))
            groups.setdefault(("other",), []).append((OTHER, o, None))
            if o.shipped is not None and o.shipped < late_enough:
                weight = LOGISTICS
                if o.shipment_status in {"exception", "returned"}:
                    weight += TROUBLE
                if o.late:
                    weight += LATE
                key = ("logistics", o.carrier, o.market.country, o.customer.region)
                groups.setdefault(key, []).append((weight, o, None))
            if o.delivered is None or o.delivered > late_enough:
                continue
            hair = [x for x in o.lines if x.product.is_hair]
            for x in hair:
                w = 0.2 if o.brand.is_b2b else QUALITY_PER_UNIT * x.quantity
                w *= 3 if x.planted else 1
                groups.setdefault(("quality", x.product.sku, x.batch), []).append((w, o, x))
            groups.setdefault(("wrong_item",), []).append((OFFERS["wrong_item"], o, None))
            if hair:
                for category in ("size_color", "not_as_described"):
                    groups.setdefault((category,), []).append((OFFERS[category], o, None))
        return groups

    def choose(self, orders: list[Order], quota: int) -> list[TicketPlan]:
        """`quota` tickets drawn from the orders' offers (systematic sampling)."""
        groups = self.offers(orders)
        total = sum(w for items in groups.values() for w, _, _ in items)
        if quota <= 0 or total <= 0:
            return []
        step = total / quota
        target = self.rng.random() * step
        seen = 0.0
        picks: list[tuple[str, Order, Any]] = []
        for key, items in groups.items():
            for w, order, line in items:
                seen += w
                while target < seen and len(picks) < quota:
                    picks.append((key[0], order, line))
                    target += step
        return [self._plan(category, order, line) for category, order, line in picks]

    def _variant(self, texts: LanguageTexts, category: str, want: str) -> Complaint:
        options = texts.complaints[category]
        tagged = [c for c in options if want in c.tag_list]
        if tagged:
            return tagged[self.rng.randrange(len(tagged))]
        plain = [c for c in options if not _RARE & set(c.tag_list)] or options
        return plain[self.rng.randrange(len(plain))]

    def _want(self, category: str, order: Order, line: Line | None) -> str:
        rng = self.rng
        if category == "logistics":
            if order.failed:
                return "customs" if rng.random() < 0.5 else "delayed"
            if order.late or order.delivered is None:
                return "delayed"
            return ("delivered_not_received", "delayed", "address_change")[rng.randrange(3)]
        if category == "quality" and line is not None and line.planted:
            return "shedding" if rng.random() < 0.65 else "tangling"
        if category == "other" and order.customer.b2b:
            return "wholesale"
        return ""

    def _created(self, category: str, tag: str, order: Order) -> float:
        """When the customer wrote: after what the complaint is about, never after now."""
        rng, f = self.rng, self.rng.random()
        shipped = order.shipped if order.shipped is not None else order.placed
        if category == "logistics" and tag == "address_change":
            anchor, delay = order.placed, (shipped - order.placed) * f
        elif category == "logistics" and tag == "delivered_not_received" and order.delivered:
            anchor, delay = order.delivered, (2 + 28 * f) * _HOUR
        elif category == "logistics":
            anchor = shipped
            days = 4 if tag == "customs" else order.market.transit_days[0] + 2
            delay = (days + 3 * f) * DAY
        elif category in AFTER_DELIVERY and order.delivered is not None:
            spread = 9 if tag in {"shedding", "tangling"} else 18
            anchor, delay = order.delivered, (1 + spread * f) * DAY + rng.uniform(0, 24) * _HOUR
        elif category == "refund" and tag == "cancellation":
            anchor, delay = order.placed, (shipped - order.placed) * f + 60
        else:
            anchor, delay = order.placed, (1 + 20 * f) * DAY
        if anchor + delay >= self.now:
            delay = (self.now - anchor) * (0.2 + 0.7 * rng.random())
        return anchor + max(delay, 1.0)

    def _plan(self, category: str, order: Order, line: Line | None) -> TicketPlan:
        rng, customer = self.rng, order.customer
        texts = TEXTS.get(customer.language, TEXTS["en"])
        if line is None and category in {"wrong_item", "size_color", "not_as_described"}:
            wigs = [x for x in order.lines if x.product.kind == "wig"]
            hair = [x for x in order.lines if x.product.is_hair]
            options = order.lines if category == "wrong_item" else (wigs or hair)
            line = options[rng.randrange(len(options))]
        complaint = self._variant(texts, category, self._want(category, order, line))
        tag = complaint.tag_list[0]
        created = self._created(category, tag, order)
        names = self.speakers.get(customer.language) or [""]
        agent = names[rng.randrange(len(names))]
        brand = order.brand
        product = line.product if line else order.lines[0].product
        values = {
            "first": customer.first,
            "order": order.number,
            "product": product.title,
            "other": product.title,
            "carrier": order.carrier,
            "tracking": order.tracking,
            "agent": agent.split(" ")[0],
            "brand": brand.name,
            "sku": product.sku,
            "batch": line.batch if line else "",
        }
        tags = set(complaint.tag_list)
        if customer.b2b:
            tags.add("b2b")
        if customer.orders >= 3:
            tags.add("repeat_customer")
        if category == "logistics":
            tags.add("carrier:" + ascii_slug(order.carrier, "-"))
        fields: dict[str, Any] = {"order_number": order.number}
        if category == "size_color":
            fields["cap_size"] = ("S", "M", "M", "L")[rng.randrange(4)]
        if category == "quality":
            fields["defect"] = tag
        planted = bool(
            (category == "quality" and line is not None and line.planted)
            or (category == "logistics" and (order.failed or order.late))
        )
        self.counts["planted_quality" if category == "quality" else "failure_logistics"] += planted
        linked = not (category == "other" and not customer.b2b and rng.random() < 0.4)
        channel = "email" if customer.b2b else _pick(rng, order.market.channels)
        plan = TicketPlan(
            category=category,
            order=order,
            linked=linked,
            line=line if category in AFTER_DELIVERY else None,
            complaint=complaint,
            values=values,
            channel=channel,
            priority=_priority(rng, category, tag, customer.b2b, planted),
            tags=sorted(tags),
            fields=fields if linked else {},
            agent_name=agent,
            assignee=self.agents.get(agent),
            planted=planted,
            story=Story(created),
        )
        live(
            rng,
            plan.story,
            now=self.now,
            category=category,
            texts=texts,
            values=values,
            body=complaint.body.format_map(values),
            planted=planted,
            assignee=plan.assignee,
        )
        _outcome(plan, self.now)
        return plan


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _priority(rng: random.Random, category: str, tag: str, b2b: bool, planted: bool) -> str:
    roll = rng.random()
    if roll < 0.04 or (tag == "delayed" and roll < 0.25):
        return "urgent"
    if planted or b2b or tag in {"customs", "delivered_not_received", "double_charge"}:
        return "high"
    if category == "other" or roll > 0.9:
        return "low"
    return "normal"


def _outcome(plan: TicketPlan, now: float) -> None:
    """A solved complaint leaves its mark on the order: refunds and returns."""
    story, order, line = plan.story, plan.order, plan.line
    if story.first_response is None or not plan.linked:
        return
    solved = story.solved or story.closed or story.updated
    category, tag = plan.category, plan.complaint.tag_list[0]
    if category == "quality" and line is not None:
        if tag in {"shedding", "tangling"} and order.delivered is not None:
            reason, note = RETURN_REASONS["quality"]
            order.give_back(line, reason, note, story.first_response, now)
        else:
            order.refund(REFUND_REASONS["quality"], line.price, solved)
    elif category == "not_as_described" and line is not None:
        order.refund(
            REFUND_REASONS[category], (line.price * Decimal("0.3")).quantize(_CENT), solved
        )
    elif category in {"wrong_item", "size_color"} and line is not None:
        reason, note = RETURN_REASONS[category]
        order.give_back(line, reason, note, story.first_response, now, refund=False)
    elif category == "refund" and tag == "cancellation":
        order.refund(REFUND_REASONS["refund"], order.total(), solved)
    elif category == "logistics" and order.shipment_status in {"exception", "returned"}:
        order.refund(REFUND_REASONS["logistics"], order.total(), solved)


_CENT = Decimal("0.01")
