"""The demo's customers and orders, planned in memory: who bought what where, from which
production batch, how it shipped. Nothing here touches the database."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from careloop.demo import people
from careloop.demo.calendar import Window, batch_code
from careloop.demo.catalog import (
    BRANDS,
    MARKETS,
    POPULARITY,
    PRODUCTS,
    DemoBrand,
    Market,
    Product,
    tracking_number,
)

PLANTED_SKU = "WIG-BDW-22-NAT"
PLANTED_BATCH_AGE = timedelta(days=38)  # when the faulty batch was made, before now
PLANTED_CARRIER, PLANTED_COUNTRY = "Aramex", "NG"
_UNSET = datetime(2000, 1, 1, tzinfo=UTC)  # replaced when the order is put in time


@dataclass
class CustomerPlan:
    key: int
    first_name: str
    name: str
    email: str
    phone: str | None
    country: str
    language: str
    timezone: str
    region: str
    is_b2b: bool
    source: str
    external_id: str
    orders: list[OrderPlan] = field(default_factory=list)
    db_id: int | None = None

    @property
    def created_at(self) -> datetime:
        return min(o.placed_at for o in self.orders) - timedelta(minutes=17 + self.key % 240)


@dataclass
class LinePlan:
    product: Product
    quantity: int
    unit_price: Decimal
    lead_days: int  # from production to sale
    batch: str = ""
    external_id: str = ""
    planted: bool = False  # made in the faulty batch
    db_id: int | None = None


@dataclass
class ShipmentPlan:
    carrier: str
    tracking: str
    status: str = "label_created"
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass
class RefundPlan:
    reason: str
    amount: Decimal
    created_at: datetime
    external_id: str


@dataclass
class ReturnPlan:
    line: LinePlan
    reason: str
    note: str
    status: str
    created_at: datetime
    external_id: str


@dataclass
class OrderPlan:
    key: int
    u: float  # where in the window it falls; larger is older
    brand: DemoBrand
    market: Market
    customer: CustomerPlan
    lines: list[LinePlan]
    shipment: ShipmentPlan
    shipping: Decimal
    ship_hours: float
    transit_days: int
    fate: float  # < 0.03 the parcel runs into trouble
    customs_hold: bool = False
    nominal_age: float = 0.0
    number: str = ""
    external_id: str = ""
    placed_at: datetime = _UNSET
    financial_status: str = "paid"
    refunds: list[RefundPlan] = field(default_factory=list)
    returns: list[ReturnPlan] = field(default_factory=list)
    updated_at: datetime = _UNSET
    db_id: int | None = None

    @property
    def currency(self) -> str:
        return self.market.currency

    @property
    def total(self) -> Decimal:
        return sum((x.unit_price * x.quantity for x in self.lines), self.shipping)

    @property
    def is_b2b(self) -> bool:
        return self.brand.is_b2b


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class CustomerBook:
    """New customers and returning ones, per market; salons for the B2B line."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.all: list[CustomerPlan] = []
        self._by_market: dict[str, list[CustomerPlan]] = {}
        self._salons: dict[tuple[str, str], CustomerPlan] = {}
        self._emails: set[str] = set()

    def for_order(self, market: Market, brand: DemoBrand) -> CustomerPlan:
        rng = self.rng
        if brand.is_b2b:
            salon = rng.choice(people.SALONS[market.country])
            found = self._salons.get((market.country, salon))
            return found or self._new_salon(market, salon)
        pool = self._by_market.setdefault(market.country, [])
        if pool and rng.random() < 0.2:
            return pool[rng.randrange(len(pool))]
        customer = self._new_person(market)
        pool.append(customer)
        return customer

    def _region(self, market: Market) -> tuple[str, str, dict[str, float]]:
        regions = market.regions
        region = self.rng.choices(regions, weights=[r.weight for r in regions])[0]
        return region.name, region.timezone, region.languages or market.languages

    def _new_person(self, market: Market) -> CustomerPlan:
        rng = self.rng
        region, tz, languages = self._region(market)
        language = pick(rng, languages)
        first, last = people.person_name(rng, market.country, language)
        email = people.customer_email(rng, first, last, self._emails)
        phone = people.phone(rng, market.country) if rng.random() < 0.55 else None
        external = str(6_100_000_000_000 + rng.randrange(10**11))
        return self._add(
            first, f"{first} {last}", email, phone, market, language, tz, region, False, external
        )

    def _new_salon(self, market: Market, salon: str) -> CustomerPlan:
        region, tz, languages = self._region(market)
        language = max(languages, key=lambda k: languages[k])
        contact, _ = people.person_name(self.rng, market.country, language)
        email = f"orders@{people.ascii_slug(salon, '-')}.example"
        self._emails.add(email)
        phone = people.phone(self.rng, market.country)
        external = f"ACC-{1000 + len(self._salons) * 37}"
        customer = self._add(
            contact, salon, email, phone, market, language, tz, region, True, external
        )
        self._salons[(market.country, salon)] = customer
        return customer

    def _add(
        self,
        first: str,
        name: str,
        email: str,
        phone: str | None,
        market: Market,
        language: str,
        tz: str,
        region: str,
        b2b: bool,
        external: str,
    ) -> CustomerPlan:
        customer = CustomerPlan(
            key=len(self.all),
            first_name=first,
            name=name,
            email=email,
            phone=phone,
            country=market.country,
            language=language,
            timezone=tz,
            region=region,
            is_b2b=b2b,
            source="b2b-portal" if b2b else "shopify",
            external_id=external,
        )
        self.all.append(customer)
        return customer


def _weighted_products(brand: DemoBrand, kinds: set[str]) -> tuple[list[Product], list[float]]:
    items = [p for p in PRODUCTS if brand.code in p.brands and p.kind in kinds]
    return items, [float(POPULARITY.get(p.sku, 3)) for p in items]


def _lines(rng: random.Random, brand: DemoBrand, market: Market) -> list[LinePlan]:
    """What is in the basket: a wig and extras, bundle deals, or a salon's restock."""
    chosen: list[tuple[Product, int]] = []

    def add(kinds: set[str], qty: int) -> None:
        items, weights = _weighted_products(brand, kinds)
        product = rng.choices(items, weights=weights)[0]
        if all(p.sku != product.sku for p, _ in chosen):
            chosen.append((product, qty))

    if brand.is_b2b:
        add({"bundle"}, rng.choice((10, 12, 20, 24, 30)))
        for _ in range(rng.randint(1, 3)):
            add({"bundle", "closure", "frontal", "accessory"}, rng.choice((3, 5, 6, 10, 12)))
    elif brand.code == "kora-crown" and rng.random() < 0.62:
        add({"bundle"}, rng.choice((2, 3, 3, 3, 4)))
        if rng.random() < 0.6:
            add({"closure", "frontal"}, 1)
    else:
        add({"wig"}, 1)
        if rng.random() < 0.08:
            add({"wig"}, 1)
    while rng.random() < 0.35 and len(chosen) < 5:
        add({"accessory"}, 1 if not brand.is_b2b else 24)
    discount = Decimal("0.6") if brand.is_b2b else Decimal(1)
    return [
        LinePlan(
            product=p,
            quantity=q,
            unit_price=(market.price(p.usd) * discount).quantize(Decimal("0.01")),
            lead_days=rng.randint(9, 45),
        )
        for p, q in chosen
    ]


def plan_orders(seed: int, count: int, window: Window) -> tuple[list[OrderPlan], CustomerBook]:
    """`count` orders across the markets and brands, oldest first, with their customers."""
    rng = random.Random(f"{seed}:orders")
    book = CustomerBook(random.Random(f"{seed}:customers"))
    dtc = [b for b in BRANDS if not b.is_b2b]
    b2b = next(b for b in BRANDS if b.is_b2b)
    orders: list[OrderPlan] = []
    for key in range(count):
        market = rng.choices(MARKETS, weights=[m.weight for m in MARKETS])[0]
        africa = market.country in {"NG", "ZA", "KE"}
        if rng.random() < 0.06:
            brand = b2b
        else:
            brand = dtc[1] if rng.random() < (0.55 if africa else 0.3) else dtc[0]
        customer = book.for_order(market, brand)
        lines = _lines(rng, brand, market)
        carrier = pick(rng, market.carriers)
        digits = "".join(str(rng.randrange(10)) for _ in range(22))
        shipping = market.price(market.shipping_usd * (4 if brand.is_b2b else 1))
        order = OrderPlan(
            key=key,
            u=rng.random(),
            brand=brand,
            market=market,
            customer=customer,
            lines=lines,
            shipment=ShipmentPlan(carrier, tracking_number(carrier, digits)),
            shipping=shipping,
            ship_hours=rng.uniform(5, 52),
            transit_days=rng.randint(*market.transit_days),
            fate=rng.random(),
        )
        order.nominal_age = window.nominal_age_days(order.u)
        planted_batch = rng.random() < 0.75
        order.customs_hold = (
            market.country == PLANTED_COUNTRY
            and carrier == PLANTED_CARRIER
            and 4 <= order.nominal_age <= 19
            and rng.random() < 0.55
        )
        _place(order, window, planted_batch)
        customer.orders.append(order)
        orders.append(order)
    _number(orders, random.Random(f"{seed}:numbers"))
    return orders, book


def _place(order: OrderPlan, window: Window, planted_batch: bool) -> None:
    """Put the order in time, then everything that follows from its instant."""
    now = window.now
    order.placed_at = window.instant(order.u, order.customer.timezone)
    for index, line in enumerate(order.lines):
        line.external_id = f"{order.key + 1}{index + 1:02d}"
        produced = order.placed_at - timedelta(days=line.lead_days)
        if line.product.sku == PLANTED_SKU and planted_batch and 4 <= order.nominal_age <= 32:
            line.planted = True
            produced = now - PLANTED_BATCH_AGE
        line.batch = batch_code(line.product.sku, produced)
    _ship(order, now)
    order.updated_at = max(
        t for t in (order.placed_at, order.shipment.shipped_at, order.shipment.delivered_at) if t
    )
    if order.is_b2b and now - order.placed_at < timedelta(days=30) and order.fate > 0.7:
        order.financial_status = "pending"  # salons pay on 30-day terms


def reship(order: OrderPlan, now: datetime) -> None:
    """Work out the parcel's journey again after a ticket changed its story."""
    order.shipment = ShipmentPlan(order.shipment.carrier, order.shipment.tracking)
    _ship(order, now)
    order.updated_at = max(
        t for t in (order.placed_at, order.shipment.shipped_at, order.shipment.delivered_at) if t
    )


def _ship(order: OrderPlan, now: datetime) -> None:
    ship = order.shipment
    shipped = order.placed_at + timedelta(hours=order.ship_hours)
    if shipped > now:
        return
    ship.shipped_at = shipped
    due = shipped + timedelta(days=order.transit_days, hours=order.fate * 20)
    trouble = order.customs_hold or order.fate < 0.03
    if trouble:
        stuck = now > shipped + timedelta(days=3)
        ship.status = "exception" if stuck else "in_transit"
        if order.fate < 0.006 and now > due + timedelta(days=12):
            ship.status = "returned"
    elif due <= now:
        ship.status, ship.delivered_at = "delivered", due
    elif due - now < timedelta(hours=14):
        ship.status = "out_for_delivery"
    else:
        ship.status = "in_transit"


def _number(orders: list[OrderPlan], rng: random.Random) -> None:
    """Order numbers count up with time in each brand; shop ids grow with gaps."""
    counters = {"LH": 10_231, "KC": 5_402, "LP": 1_203}
    external = 5_600_000_000_000
    for order in sorted(orders, key=lambda o: -o.u):
        prefix = order.brand.order_prefix
        counters[prefix] += 1
        order.number = f"{prefix}-{counters[prefix]}"
        external += rng.randint(1_000, 90_000)
        order.external_id = str(external) if not order.is_b2b else f"PO-{counters[prefix]}"
