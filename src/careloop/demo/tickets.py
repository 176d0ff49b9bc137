"""The demo's tickets, planned in memory: who complains about which order, in which language
and words, through which channel; with two problems planted for the detectors to find."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from careloop.demo import lifecycle, orders
from careloop.demo.calendar import Window, batch_code
from careloop.demo.catalog import BRANDS, PRODUCTS, Product
from careloop.demo.orders import CustomerBook, CustomerPlan, LinePlan, OrderPlan
from careloop.demo.people import STAFF, StaffMember, ascii_slug
from careloop.demo.texts import TEXTS, Complaint, LanguageTexts
from careloop.tickets.model import Category, Priority

CATEGORY_WEIGHTS = {
    "logistics": 0.3,
    "quality": 0.14,
    "wrong_item": 0.08,
    "size_color": 0.12,
    "refund": 0.16,
    "not_as_described": 0.09,
    "other": 0.11,
}
AFTER_DELIVERY = {"quality", "wrong_item", "size_color", "not_as_described"}


@dataclass
class TicketPlan:
    key: int
    category: str
    complaint: Complaint
    texts: LanguageTexts
    customer: CustomerPlan
    order: OrderPlan | None
    line: LinePlan | None
    values: dict[str, str]
    channel: str
    priority: str
    tags: list[str]
    custom_fields: dict[str, Any]
    agent: StaffMember
    planted: str | None
    life: lifecycle.Draws
    created_at: datetime = lifecycle.UNSET
    story: lifecycle.Story = field(default_factory=lifecycle.Story)

    @property
    def subject(self) -> str:
        return self.complaint.subject.format_map(self.values)

    @property
    def body(self) -> str:
        return self.complaint.body.format_map(self.values)

    @property
    def language(self) -> str:
        return self.customer.language

    @property
    def brand_code(self) -> str:
        return self.order.brand.code if self.order else BRANDS[0].code


def plan_tickets(
    seed: int, count: int, all_orders: list[OrderPlan], book: CustomerBook, window: Window
) -> list[TicketPlan]:
    """`count` tickets: planted ones first, then the everyday mix, each with its life so far."""
    rng = random.Random(f"{seed}:tickets")
    planted_code = batch_code(orders.PLANTED_SKU, window.now - orders.PLANTED_BATCH_AGE)
    faulty = [o for o in all_orders if any(x.planted for x in o.lines)]
    held = [o for o in all_orders if o.customs_hold]
    n_quality = min(len(faulty), max(3, round(count * 0.07))) if count >= 20 else 0
    n_customs = min(len(held), max(2, round(count * 0.04))) if count >= 20 else 0
    plans: list[tuple[str, OrderPlan | None, str | None]] = [
        ("quality", o, "quality") for o in rng.sample(faulty, n_quality)
    ]
    plans += [("logistics", o, "logistics") for o in rng.sample(held, n_customs)]
    names = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    plans += [(rng.choices(names, weights)[0], None, None) for _ in range(count - len(plans))]
    used: set[int] = {o.key for _, o, _ in plans if o is not None}
    tickets = []
    for key, (category, order, planted) in enumerate(plans):
        t_rng = random.Random(f"{seed}:ticket:{key}")
        ticket = _content(t_rng, key, category, order, planted, all_orders, book, used)
        tickets.append(ticket)
    for ticket in tickets:
        lifecycle.live(ticket, window.now, planted_code)
    return tickets


def _choose_order(
    rng: random.Random,
    category: str,
    tag: str,
    life: lifecycle.Draws,
    all_orders: list[OrderPlan],
    used: set[int],
) -> OrderPlan | None:
    """A random order this complaint fits, preferring orders without a ticket yet."""
    for attempt in range(400):
        order = all_orders[rng.randrange(len(all_orders))]
        if (order.key not in used or attempt >= 200) and _fits(category, tag, life, order):
            used.add(order.key)
            return order
    pool = [o for o in all_orders if _fits(category, tag, life, o)]
    return pool[rng.randrange(len(pool))] if pool else None


def _fits(category: str, tag: str, life: lifecycle.Draws, order: OrderPlan) -> bool:
    """Is the order old enough, by its seed-only age, for this complaint to have been written?"""
    if category in AFTER_DELIVERY and not any(x.product.is_hair for x in order.lines):
        return False
    return order.nominal_age >= _offset(category, tag, order, life) / timedelta(days=1) + 1


def _variant(rng: random.Random, texts: LanguageTexts, category: str, want: str) -> Complaint:
    """The complaint tagged `want`, else any everyday one: parcels held at customs and
    wholesale questions come only when asked for, so the planted customs jam stands out."""
    options = texts.complaints[category]
    tagged = [c for c in options if want in c.tag_list]
    if tagged:
        return tagged[rng.randrange(len(tagged))]
    rare = {"wholesale", "customs"}
    plain = [c for c in options if not rare & set(c.tag_list)] or options
    return plain[rng.randrange(len(plain))]


def _line(rng: random.Random, order: OrderPlan | None, category: str) -> LinePlan | None:
    if order is None or category in {"logistics", "refund", "other"}:
        return None
    if category == "quality":
        planted = [x for x in order.lines if x.planted]
        if planted:
            return planted[0]
    wigs = [x for x in order.lines if x.product.kind == "wig"]
    hair = [x for x in order.lines if x.product.is_hair]
    options = (wigs or hair) if category != "wrong_item" else order.lines
    return options[rng.randrange(len(options))] if options else order.lines[0]


def _other_product(rng: random.Random, product: Product | None) -> Product:
    """What the warehouse sent instead: usually a sibling of the right item."""
    if product is None:
        return PRODUCTS[rng.randrange(len(PRODUCTS))]
    siblings = [p for p in PRODUCTS if p.kind == product.kind and p.sku != product.sku]
    return siblings[rng.randrange(len(siblings))] if siblings else product


def _content(
    rng: random.Random,
    key: int,
    category: str,
    order: OrderPlan | None,
    planted: str | None,
    all_orders: list[OrderPlan],
    book: CustomerBook,
    used: set[int],
) -> TicketPlan:
    # The variant is drawn in English first: it decides which orders fit (a parcel "delivered
    # but not received" must be old enough), and the customer's language follows the order.
    life = lifecycle.Draws.draw(rng)
    want = {"quality": "shedding", "logistics": "customs"}.get(planted or "", "")
    if not want and category == "logistics" and rng.random() < 0.12:
        want = "customs"  # parcels do get held at customs everywhere, now and then
    probe = _variant(rng, TEXTS["en"], category, want)
    variant_tag = want or probe.tag_list[0]
    if order is None and not (category == "other" and rng.random() < 0.7):
        order = _choose_order(rng, category, variant_tag, life, all_orders, used)
        if order is None:  # a tiny demo may have no order old enough: any will do
            order = all_orders[rng.randrange(len(all_orders))]
    if order is not None:
        customer = order.customer
    else:
        people_only = [c for c in book.all if not c.is_b2b] or book.all
        customer = people_only[rng.randrange(len(people_only))]
    texts = TEXTS.get(customer.language, TEXTS["en"])
    if customer.is_b2b and category == "other":
        variant_tag = "wholesale"
    complaint = _variant(rng, texts, category, variant_tag)
    if planted == "quality" and rng.random() < 0.35:
        complaint = _variant(rng, texts, category, "tangling")
    line = _line(rng, order, category)
    product = line.product if line else PRODUCTS[rng.randrange(11)]
    other = _other_product(rng, product)
    agents = [m for m in STAFF if m.role.value == "agent"]
    speakers = [m for m in agents if customer.language in m.languages] or agents
    agent = speakers[rng.randrange(len(speakers))]
    brand = order.brand if order else BRANDS[0]
    values = {
        "first": customer.first_name,
        "order": order.number if order else "",
        "product": product.title,
        "other": other.title,
        "carrier": order.shipment.carrier if order else "",
        "tracking": order.shipment.tracking if order else "",
        "agent": agent.name.split()[0],
        "brand": brand.name,
        "sku": line.product.sku if line else product.sku,
        "batch": line.batch if line else "",
    }
    tags = list(complaint.tag_list)
    if customer.is_b2b:
        tags.append("b2b")
    if len(customer.orders) >= 3:
        tags.append("repeat_customer")
    if category == "logistics" and order is not None:
        tags.append("carrier:" + ascii_slug(order.shipment.carrier, "-"))
    market_channels = order.market.channels if order else {"email": 0.6, "chat": 0.4}
    channel = "email" if customer.is_b2b else orders.pick(rng, market_channels)
    fields: dict[str, Any] = {"order_number": order.number} if order else {}
    if category == "size_color":
        fields["cap_size"] = rng.choice(("S", "M", "M", "L"))
    if category == "quality":
        fields["defect"] = complaint.tag_list[0]
    return TicketPlan(
        key=key,
        category=category,
        complaint=complaint,
        texts=texts,
        customer=customer,
        order=order,
        line=line,
        values=values,
        channel=channel,
        priority=_priority(rng, category, complaint, customer, planted),
        tags=sorted(set(tags)),
        custom_fields=fields,
        agent=agent,
        planted=planted,
        life=life,
    )


def _priority(
    rng: random.Random,
    category: str,
    complaint: Complaint,
    customer: CustomerPlan,
    planted: str | None,
) -> str:
    roll = rng.random()
    urgent_tags = {"customs", "delivered_not_received", "double_charge", "lace_damage"}
    if roll < 0.04 or (complaint.tag_list[0] == "delayed" and roll < 0.25):
        return Priority.URGENT.value
    if planted or customer.is_b2b or urgent_tags & set(complaint.tag_list):
        return Priority.HIGH.value
    if category == Category.OTHER.value or roll > 0.9:
        return Priority.LOW.value
    return Priority.NORMAL.value


def _offset(category: str, tag: str, order: OrderPlan, life: lifecycle.Draws) -> timedelta:
    """How long after the order the customer writes; seed-only, like everything it uses."""
    shipped = timedelta(hours=order.ship_hours)
    if category == "logistics":
        if tag == "address_change":
            return shipped * life.fraction
        if tag == "delivered_not_received":
            arrived = shipped + timedelta(days=order.transit_days, hours=order.fate * 20)
            return arrived + timedelta(hours=2 + 28 * life.fraction)
        if tag == "customs":
            return shipped + timedelta(days=4 + 3 * life.fraction)
        return shipped + timedelta(days=order.market.transit_days[0] + 2 + 3 * life.fraction)
    if category in AFTER_DELIVERY:
        arrived = shipped + timedelta(days=order.transit_days, hours=order.fate * 20)
        spread = 9 if tag in {"shedding", "tangling"} else 18
        return arrived + timedelta(days=1 + spread * life.fraction, hours=life.hour_shift)
    if category == "refund" and tag == "cancellation":
        return shipped * life.fraction
    return timedelta(days=1 + 20 * life.fraction)


def created_at_for(ticket: TicketPlan, now: datetime) -> datetime:
    """When the customer wrote: after the order by the complaint's offset, never after now."""
    life, order = ticket.life, ticket.order
    if order is None:
        return now - timedelta(days=life.orphan_age_days)
    wanted = order.placed_at + _offset(ticket.category, ticket.complaint.tag_list[0], order, life)
    if wanted >= now:  # rare: the order's real day came out younger than its seed-only age
        wanted = order.placed_at + (now - order.placed_at) * (0.3 + 0.6 * life.fraction)
    return wanted
