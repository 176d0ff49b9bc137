"""The large demo's orders, made a day at a time: customers (reused, about 1.6 orders each),
baskets from the demo catalogue with production batches, one shipment each, returns and
refunds; with the two planted problems on the commerce side (a faulty batch of one SKU, one
carrier failing in one region for two weeks). Nothing here touches the database."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from careloop.demo import people
from careloop.demo.calendar import batch_code
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
from careloop.demo.large_calendar import DAY, DayClock, Year, instant
from careloop.demo.texts import BACKGROUND_RETURN_REASONS

PLANTED_SKU = "WIG-BDW-22-NAT"
PLANTED_BATCH_AGE = timedelta(days=100)  # when the faulty batch was made, before now
PLANTED_CARRIER, PLANTED_COUNTRY, PLANTED_REGION = "Aramex", "NG", "Lagos"
FAILURE_STARTS_AGO = timedelta(days=80)  # the carrier fails for two weeks from then
FAILURE_DAYS = 14
NEW_CUSTOMER = 0.665  # the chance an order comes from someone new: ~1.6 orders each
MAX_LINES = 3


@dataclass(frozen=True)
class Planted:
    """Where the two problems are: the faulty batch and the carrier's bad fortnight."""

    batch: str
    failure_start: float
    failure_end: float

    @classmethod
    def for_year(cls, year: Year) -> Planted:
        start = year.now_epoch - FAILURE_STARTS_AGO.total_seconds()
        return cls(
            batch_code(PLANTED_SKU, year.now - PLANTED_BATCH_AGE),
            start,
            start + FAILURE_DAYS * DAY,
        )


class Customer:
    __slots__ = (
        "b2b",
        "country",
        "created",
        "first",
        "id",
        "language",
        "name",
        "orders",
        "phone",
        "region",
        "tz",
    )

    def __init__(
        self, market: Market, region: str, tz: str, language: str, first: str, name: str
    ) -> None:
        self.country, self.region, self.tz = market.country, region, tz
        self.language, self.first, self.name = language, first, name
        self.b2b = False
        self.orders = 0
        self.id = 0  # given when written
        self.phone: str | None = None
        self.created = 0.0


class Line:
    __slots__ = ("batch", "id", "planted", "price", "product", "quantity")

    def __init__(self, product: Product, quantity: int, price: Decimal) -> None:
        self.product, self.quantity, self.price = product, quantity, price
        self.batch = ""
        self.planted = False
        self.id = 0


class Order:
    __slots__ = (
        "brand",
        "carrier",
        "customer",
        "delivered",
        "external_id",
        "failed",
        "financial_status",
        "id",
        "late",
        "lines",
        "market",
        "number",
        "placed",
        "refunds",
        "returns",
        "shipment_status",
        "shipped",
        "shipping",
        "tracking",
        "updated",
    )

    def __init__(self, brand: DemoBrand, market: Market, customer: Customer) -> None:
        self.brand, self.market, self.customer = brand, market, customer
        self.lines: list[Line] = []
        self.returns: list[tuple[Line, int, str, str, str, float]] = []
        self.refunds: list[tuple[str, Decimal, float]] = []
        self.financial_status = "paid"
        self.failed = self.late = False
        self.shipped: float | None = None
        self.delivered: float | None = None
        self.id = 0
        self.number = self.external_id = ""
        self.placed = self.updated = 0.0
        self.carrier = self.tracking = ""
        self.shipment_status = "label_created"
        self.shipping = Decimal(0)

    def total(self) -> Decimal:
        return sum((x.price * x.quantity for x in self.lines), self.shipping)

    def refund(self, reason: str, amount: Decimal, at: float) -> None:
        """A refund, never more than what is left of the order's total."""
        left = self.total() - sum((r[1] for r in self.refunds), Decimal(0))
        amount = min(amount, left)
        if amount <= 0:
            return
        self.refunds.append((reason, amount, at))
        self.financial_status = "refunded" if amount == left else "partially_refunded"
        self.updated = max(self.updated, at)

    def give_back(
        self, line: Line, reason: str, note: str, at: float, now: float, *, refund: bool = True
    ) -> None:
        """A return moves on with time; once received and checked it is refunded (or, for an
        exchange, replaced: then no refund follows)."""
        age = (now - at) / DAY
        steps = ((2, "requested"), (5, "approved"), (10, "in_transit"), (14, "received"))
        status = next((s for days, s in steps if age < days), "refunded" if refund else "exchanged")
        self.returns.append((line, 1, reason, note, status, at))
        self.updated = max(self.updated, at)
        if status == "refunded":
            self.refund(f"Returned: {note}", line.price, at + 14 * DAY)


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


class OrderMaker:
    """Orders day by day, deterministic for a seed and a `now`."""

    def __init__(self, seed: int, year: Year, brand_ids: dict[str, int]) -> None:
        self.rng = random.Random(f"{seed}:large:orders")
        self.year, self.clock = year, DayClock(year)
        self.now = year.now_epoch
        self.planted = Planted.for_year(year)
        self.brand_ids = brand_ids
        self.market_cum = _cumulative([m.weight for m in MARKETS])
        self.pools: dict[str, list[Customer]] = {m.country: [] for m in MARKETS}
        self.salons: dict[tuple[str, str], Customer] = {}
        self.new_customers: list[Customer] = []
        self._products: dict[tuple[str, frozenset[str]], tuple[list[Product], list[float]]] = {}
        self._prices: dict[tuple[str, str, bool], Decimal] = {}
        self._batches: dict[tuple[str, int], str] = {}
        self.counters = {"LH": 10_231, "KC": 5_402, "LP": 1_203}
        self.external = 5_600_000_000_000

    # --- customers -------------------------------------------------------------------------
    def _customer(self, market: Market, brand: DemoBrand) -> Customer:
        rng = self.rng
        if brand.is_b2b:
            salon = people.SALONS[market.country][rng.randrange(len(people.SALONS[market.country]))]
            found = self.salons.get((market.country, salon))
            if found is None:
                found = self._new(market, salon)
                found.b2b = True
                self.salons[(market.country, salon)] = found
            return found
        pool = self.pools[market.country]
        if pool and rng.random() > NEW_CUSTOMER:
            return pool[rng.randrange(len(pool))]
        customer = self._new(market, None)
        pool.append(customer)
        return customer

    def _new(self, market: Market, salon: str | None) -> Customer:
        rng = self.rng
        region = rng.choices(market.regions, weights=[r.weight for r in market.regions])[0]
        languages = region.languages or market.languages
        if salon:
            language = max(languages, key=lambda k: languages[k])
        else:
            language = rng.choices(list(languages), weights=list(languages.values()))[0]
        first, last = people.person_name(rng, market.country, language)
        name = salon or f"{first} {last}"
        customer = Customer(market, region.name, region.timezone, language, first, name)
        if salon or rng.random() < 0.55:
            customer.phone = people.phone(rng, market.country)
        self.new_customers.append(customer)
        return customer

    # --- baskets ---------------------------------------------------------------------------
    def _pick(self, brand: DemoBrand, kinds: frozenset[str]) -> Product:
        key = (brand.code, kinds)
        table = self._products.get(key)
        if table is None:
            items = [p for p in PRODUCTS if brand.code in p.brands and p.kind in kinds]
            table = (items, _cumulative([float(POPULARITY.get(p.sku, 3)) for p in items]))
            self._products[key] = table
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def _price(self, market: Market, product: Product, b2b: bool) -> Decimal:
        key = (market.country, product.sku, b2b)
        found = self._prices.get(key)
        if found is None:
            discount = Decimal("0.6") if b2b else Decimal(1)
            found = (market.price(product.usd) * discount).quantize(Decimal("0.01"))
            self._prices[key] = found
        return found

    def _lines(self, brand: DemoBrand, market: Market) -> list[Line]:
        """What is in the basket (one to three lines): a wig and extras, bundle deals, or a
        salon's restock."""
        rng = self.rng
        chosen: list[Line] = []
        skus: set[str] = set()

        def add(kinds: frozenset[str], qty: int) -> None:
            product = self._pick(brand, kinds)
            if product.sku not in skus and len(chosen) < MAX_LINES:
                skus.add(product.sku)
                chosen.append(Line(product, qty, self._price(market, product, brand.is_b2b)))

        if brand.is_b2b:
            add(_BUNDLE, (10, 12, 20, 24, 30)[rng.randrange(5)])
            for _ in range(rng.randint(1, 3)):
                add(_RESTOCK, (3, 5, 6, 10, 12)[rng.randrange(5)])
        elif brand.code == "kora-crown" and rng.random() < 0.62:
            add(_BUNDLE, (2, 3, 3, 3, 4)[rng.randrange(5)])
            if rng.random() < 0.6:
                add(_LACE, 1)
        else:
            add(_WIG, 1)
            if rng.random() < 0.08:
                add(_WIG, 1)
        while rng.random() < 0.35 and len(chosen) < MAX_LINES:
            add(_ACCESSORY, 24 if brand.is_b2b else 1)
        return chosen

    def _batch(self, line: Line, day: int) -> None:
        """Batch codes carry the ISO week the line was made in; the planted SKU's lines made
        in the faulty batch's week carry its code."""
        produced = day - self.rng.randint(9, 45)
        key = (line.product.sku, produced)
        code = self._batches.get(key)
        if code is None:
            code = batch_code(line.product.sku, instant(self.year.day_start(produced)))
            self._batches[key] = code
        line.batch = code
        line.planted = line.product.sku == PLANTED_SKU and code == self.planted.batch

    # --- the day's orders ------------------------------------------------------------------
    def day(self, day: int, count: int) -> list[Order]:
        """`count` orders placed on day `day`, in time order."""
        rng, start = self.rng, self.year.day_start(day)
        dtc = [b for b in BRANDS if not b.is_b2b]
        b2b = next(b for b in BRANDS if b.is_b2b)
        made = []
        for _ in range(count):
            market = MARKETS[min(_bisect(self.market_cum, rng.random()), len(MARKETS) - 1)]
            if rng.random() < 0.06:
                brand = b2b
            else:
                africa = market.country in {"NG", "ZA", "KE"}
                brand = dtc[1] if rng.random() < (0.55 if africa else 0.3) else dtc[0]
            customer = self._customer(market, brand)
            order = Order(brand, market, customer)
            order.placed = start + self.clock.second_of_day(rng, customer.tz, day)
            if not customer.orders:  # signed up a little before the first order
                signed_up = order.placed - (17 + rng.randrange(240)) * 60
                customer.created = min(customer.created or signed_up, signed_up)
            order.lines = self._lines(brand, market)
            for line in order.lines:
                self._batch(line, day)
            order.shipping = self._price_shipping(market, brand)
            self._ship(order)
            made.append(order)
        made.sort(key=lambda o: o.placed)
        for order in made:
            self._number(order)
            order.customer.orders += 1
            self._background_return(order)
            if order.brand.is_b2b and self.now - order.placed < 30 * DAY and rng.random() > 0.7:
                order.financial_status = "pending"  # salons pay on 30-day terms
        return made

    def _price_shipping(self, market: Market, brand: DemoBrand) -> Decimal:
        key = (market.country, "shipping", brand.is_b2b)
        found = self._prices.get(key)
        if found is None:
            found = market.price(market.shipping_usd * (4 if brand.is_b2b else 1))
            self._prices[key] = found
        return found

    def _ship(self, order: Order) -> None:
        rng, market = self.rng, order.market
        carriers = market.carriers
        order.carrier = rng.choices(list(carriers), weights=list(carriers.values()))[0]
        order.tracking = tracking_number(order.carrier, f"{rng.getrandbits(73):022d}")
        fate = rng.random()
        shipped = order.placed + rng.uniform(5, 52) * 3600
        order.updated = order.placed
        if shipped > self.now:
            order.shipment_status = "label_created"
            return
        order.shipped = order.updated = shipped
        due = shipped + rng.randint(*market.transit_days) * DAY + fate * 20 * 3600
        planted = self.planted
        if (
            order.carrier == PLANTED_CARRIER
            and market.country == PLANTED_COUNTRY
            and order.customer.region == PLANTED_REGION
            and planted.failure_start <= shipped < planted.failure_end
        ):
            if fate < 0.65:
                order.failed = True
                fate = 0.0  # stuck: an exception from three days after shipping
            else:
                order.late = True
                due += rng.uniform(7, 15) * DAY
        if fate < 0.03:
            stuck = self.now > shipped + 3 * DAY
            order.shipment_status = "exception" if stuck else "in_transit"
            if 0 < fate < 0.006 and self.now > due + 12 * DAY:
                order.shipment_status = "returned"
        elif due <= self.now:
            order.shipment_status, order.delivered, order.updated = "delivered", due, due
        elif due - self.now < 14 * 3600:
            order.shipment_status = "out_for_delivery"
        else:
            order.shipment_status = "in_transit"

    def _number(self, order: Order) -> None:
        """Order numbers count up with time in each brand; shop ids grow with gaps."""
        prefix = order.brand.order_prefix
        self.counters[prefix] += 1
        order.number = f"{prefix}-{self.counters[prefix]}"
        self.external += self.rng.randint(1_000, 90_000)
        order.external_id = (
            f"PO-{self.counters[prefix]}" if order.brand.is_b2b else str(self.external)
        )

    def _background_return(self, order: Order) -> None:
        """A few returns no ticket asked for: people change their minds."""
        rng = self.rng
        draw, pick, delay = rng.random(), rng.randrange(100), rng.uniform(1, 9)
        if draw > 0.025 or order.brand.is_b2b or order.delivered is None:
            return
        at = order.delivered + delay * DAY
        if at > self.now:
            return
        reason, note = BACKGROUND_RETURN_REASONS[pick % len(BACKGROUND_RETURN_REASONS)]
        order.give_back(order.lines[pick % len(order.lines)], reason, note, at, self.now)


_BUNDLE = frozenset({"bundle"})
_RESTOCK = frozenset({"bundle", "closure", "frontal", "accessory"})
_LACE = frozenset({"closure", "frontal"})
_WIG = frozenset({"wig"})
_ACCESSORY = frozenset({"accessory"})


def _bisect(cumulative: list[float], u: float) -> int:
    return bisect.bisect_right(cumulative, u * cumulative[-1])
