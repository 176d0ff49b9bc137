"""What the demo brand sells and where: brands, products with SKUs, markets with their
currencies, languages, regions, carriers and delivery times."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class DemoBrand:
    code: str
    name: str
    is_b2b: bool
    order_prefix: str
    shop_domain: str | None  # B2B orders come from the wholesale portal, not a shop


BRANDS = (
    DemoBrand("luma-hair", "Luma Hair", False, "LH", "luma-hair.myshopify.com"),
    DemoBrand("kora-crown", "Kora Crown", False, "KC", "kora-crown.myshopify.com"),
    DemoBrand("luma-pro", "Luma Pro Salon Supply", True, "LP", None),
)


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    kind: str  # wig, bundle, closure, frontal, accessory
    usd: int  # list price in US dollars; markets convert and round
    brands: tuple[str, ...]

    @property
    def is_hair(self) -> bool:
        return self.kind != "accessory"


_DTC = ("luma-hair",)
_KORA = ("kora-crown",)
_BOTH = ("luma-hair", "kora-crown")
_PRO = ("luma-pro",)

PRODUCTS = (
    Product("WIG-BOB-10-NAT", 'Bob Lace Front Wig 10" Natural Black', "wig", 129, _DTC),
    Product("WIG-BOB-12-NAT", 'Bob Lace Front Wig 12" Natural Black', "wig", 139, _DTC),
    Product("WIG-BOB-12-HON", 'Bob Lace Front Wig 12" Honey Blonde', "wig", 149, _DTC),
    Product("WIG-BDW-22-NAT", 'Body Wave Lace Front Wig 22" Natural Black', "wig", 219, _DTC),
    Product("WIG-BDW-26-NAT", 'Body Wave Lace Front Wig 26" Natural Black', "wig", 259, _DTC),
    Product("WIG-BDW-22-99J", 'Body Wave Lace Front Wig 22" Burgundy 99J', "wig", 229, _DTC),
    Product("WIG-STR-24-NAT", 'Straight HD Lace Wig 24" Natural Black', "wig", 239, _DTC),
    Product("WIG-STR-30-NAT", 'Straight HD Lace Wig 30" Natural Black', "wig", 299, _DTC),
    Product("WIG-PXC-08-NAT", 'Pixie Cut Lace Wig 8" Natural Black', "wig", 99, _DTC),
    Product("WIG-KNK-18-NAT", 'Kinky Curly Lace Front Wig 18" Natural', "wig", 209, _KORA),
    Product("WIG-DPW-20-1B", 'Deep Wave Glueless Wig 20" 1B', "wig", 199, _KORA),
    Product("BND-STR-18-NAT", 'Straight Bundle 18" Natural Black', "bundle", 59, _KORA + _PRO),
    Product("BND-BDW-20-NAT", 'Body Wave Bundle 20" Natural Black', "bundle", 65, _KORA + _PRO),
    Product("BND-KNK-16-NAT", 'Kinky Curly Bundle 16" Natural', "bundle", 62, _KORA + _PRO),
    Product("BND-DPW-22-NAT", 'Deep Wave Bundle 22" Natural Black', "bundle", 72, _KORA + _PRO),
    Product("CLO-4X4-14-NAT", '4x4 Lace Closure 14" Natural Black', "closure", 69, _KORA + _PRO),
    Product("CLO-5X5-14-NAT", '5x5 HD Lace Closure 14" Natural Black', "closure", 85, _KORA + _PRO),
    Product("FRN-13X4-18-NAT", '13x4 Lace Frontal 18" Natural Black', "frontal", 119, _KORA + _PRO),
    Product("ACC-GLUE-38ML", "Lace Glue 38 ml", "accessory", 18, _BOTH + _PRO),
    Product("ACC-CAP-3PK", "Wig Caps (3-pack)", "accessory", 8, _BOTH),
    Product("ACC-TINT-SPR", "Lace Tint Spray", "accessory", 14, _BOTH + _PRO),
    Product("ACC-BRUSH-DET", "Detangling Brush", "accessory", 12, _BOTH),
    Product("ACC-SILK-BNT", "Silk Bonnet", "accessory", 16, _BOTH),
)
PRODUCT_BY_SKU = {p.sku: p for p in PRODUCTS}

# Best sellers sell more: the weight of each SKU within its brand.
POPULARITY = {
    "WIG-BDW-22-NAT": 9,
    "WIG-BOB-12-NAT": 8,
    "WIG-STR-24-NAT": 6,
    "WIG-KNK-18-NAT": 7,
    "WIG-DPW-20-1B": 6,
    "BND-BDW-20-NAT": 7,
    "BND-STR-18-NAT": 6,
    "CLO-5X5-14-NAT": 5,
    "FRN-13X4-18-NAT": 5,
}


@dataclass(frozen=True)
class Region:
    name: str
    timezone: str
    weight: float
    languages: dict[str, float] | None = None  # overrides the market's mix


@dataclass(frozen=True)
class Market:
    country: str
    currency: str
    per_usd: Decimal  # local units for one US dollar
    step: Decimal  # prices are rounded to this step, then end just below it
    weight: float  # share of orders
    languages: dict[str, float]
    regions: tuple[Region, ...]
    carriers: dict[str, float]
    transit_days: tuple[int, int]
    shipping_usd: int
    channels: dict[str, float] = field(default_factory=dict)

    def price(self, usd: int) -> Decimal:
        """A shop price in this market: converted, rounded to the step, ending in .99 or so."""
        raw = Decimal(usd) * self.per_usd
        rounded = (raw / self.step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * self.step
        cents = Decimal("0.01") if self.step <= 10 else Decimal(0)
        return max(rounded - cents, self.step).quantize(Decimal("0.01"))


_MAIL_CHAT = {"email": 0.45, "chat": 0.25, "web_form": 0.18, "social": 0.08, "phone": 0.04}
_CHAT_FIRST = {"chat": 0.42, "social": 0.2, "email": 0.22, "web_form": 0.1, "phone": 0.06}

# fmt: off
MARKETS = (
    Market(
        "US", "USD", Decimal(1), Decimal(1), 0.34, {"en": 0.88, "es": 0.12},
        (
            Region("Georgia", "America/New_York", 0.18),
            Region("Texas", "America/Chicago", 0.17, {"en": 0.75, "es": 0.25}),
            Region("New York", "America/New_York", 0.15),
            Region("California", "America/Los_Angeles", 0.14, {"en": 0.78, "es": 0.22}),
            Region("Florida", "America/New_York", 0.12, {"en": 0.8, "es": 0.2}),
            Region("Maryland", "America/New_York", 0.09),
            Region("Illinois", "America/Chicago", 0.08),
            Region("North Carolina", "America/New_York", 0.07),
        ),
        {"USPS": 0.42, "UPS": 0.3, "FedEx": 0.23, "DHL Express": 0.05}, (3, 7), 9, _MAIL_CHAT,
    ),
    Market(
        "CA", "CAD", Decimal("1.37"), Decimal(1), 0.08, {"en": 0.92, "fr": 0.08},
        (
            Region("Ontario", "America/Toronto", 0.5),
            Region("Quebec", "America/Toronto", 0.25, {"fr": 0.8, "en": 0.2}),
            Region("British Columbia", "America/Vancouver", 0.13),
            Region("Alberta", "America/Edmonton", 0.12),
        ),
        {"Canada Post": 0.5, "UPS": 0.22, "Purolator": 0.18, "FedEx": 0.1}, (4, 9), 12,
        _MAIL_CHAT,
    ),
    Market(
        "GB", "GBP", Decimal("0.79"), Decimal(1), 0.12, {"en": 1.0},
        (
            Region("London", "Europe/London", 0.45),
            Region("West Midlands", "Europe/London", 0.15),
            Region("Greater Manchester", "Europe/London", 0.15),
            Region("West Yorkshire", "Europe/London", 0.1),
            Region("Scotland", "Europe/London", 0.08),
            Region("Wales", "Europe/London", 0.07),
        ),
        {"Royal Mail": 0.45, "DPD": 0.3, "Evri": 0.15, "DHL Express": 0.1}, (3, 6), 6, _MAIL_CHAT,
    ),
    Market(
        "FR", "EUR", Decimal("0.92"), Decimal(1), 0.1, {"fr": 1.0},
        (
            Region("Île-de-France", "Europe/Paris", 0.48),
            Region("Auvergne-Rhône-Alpes", "Europe/Paris", 0.14),
            Region("Provence-Alpes-Côte d'Azur", "Europe/Paris", 0.14),
            Region("Hauts-de-France", "Europe/Paris", 0.12),
            Region("Occitanie", "Europe/Paris", 0.12),
        ),
        {"Colissimo": 0.55, "Chronopost": 0.2, "DPD": 0.15, "DHL Express": 0.1}, (3, 7), 7,
        _MAIL_CHAT,
    ),
    Market(
        "DE", "EUR", Decimal("0.92"), Decimal(1), 0.08, {"de": 0.95, "en": 0.05},
        (
            Region("Berlin", "Europe/Berlin", 0.25),
            Region("Nordrhein-Westfalen", "Europe/Berlin", 0.3),
            Region("Hamburg", "Europe/Berlin", 0.15),
            Region("Hessen", "Europe/Berlin", 0.15),
            Region("Bayern", "Europe/Berlin", 0.15),
        ),
        {"DHL": 0.55, "DPD": 0.2, "Hermes": 0.15, "GLS": 0.1}, (3, 6), 6, _MAIL_CHAT,
    ),
    Market(
        "NG", "NGN", Decimal(1550), Decimal(500), 0.12, {"en": 0.78, "yo": 0.12, "ha": 0.1},
        (
            Region("Lagos", "Africa/Lagos", 0.55, {"en": 0.8, "yo": 0.18, "ha": 0.02}),
            Region("FCT Abuja", "Africa/Lagos", 0.2, {"en": 0.85, "ha": 0.1, "yo": 0.05}),
            Region("Rivers", "Africa/Lagos", 0.1, {"en": 1.0}),
            Region("Kano", "Africa/Lagos", 0.08, {"ha": 0.65, "en": 0.35}),
            Region("Oyo", "Africa/Lagos", 0.07, {"yo": 0.5, "en": 0.5}),
        ),
        {"DHL Express": 0.45, "Aramex": 0.4, "GIG Logistics": 0.15}, (6, 14), 25, _CHAT_FIRST,
    ),
    Market(
        "ZA", "ZAR", Decimal("18.2"), Decimal(10), 0.09, {"en": 0.8, "zu": 0.2},
        (
            Region("Gauteng", "Africa/Johannesburg", 0.5),
            Region("KwaZulu-Natal", "Africa/Johannesburg", 0.25, {"zu": 0.55, "en": 0.45}),
            Region("Western Cape", "Africa/Johannesburg", 0.2, {"en": 1.0}),
            Region("Eastern Cape", "Africa/Johannesburg", 0.05),
        ),
        {"The Courier Guy": 0.4, "Aramex": 0.3, "DHL Express": 0.2, "Pargo": 0.1}, (5, 12), 18,
        _CHAT_FIRST,
    ),
    Market(
        "KE", "KES", Decimal(129), Decimal(100), 0.07, {"en": 0.55, "sw": 0.45},
        (
            Region("Nairobi", "Africa/Nairobi", 0.65),
            Region("Mombasa", "Africa/Nairobi", 0.15, {"sw": 0.7, "en": 0.3}),
            Region("Kisumu", "Africa/Nairobi", 0.1),
            Region("Nakuru", "Africa/Nairobi", 0.1),
        ),
        {"DHL Express": 0.4, "Aramex": 0.35, "G4S": 0.25}, (6, 13), 20, _CHAT_FIRST,
    ),
)
# fmt: on
MARKET_BY_COUNTRY = {m.country: m for m in MARKETS}

# Orders by weekday (Monday first): Sunday evenings and Mondays are busiest.
WEEKDAY_WEIGHTS = (1.12, 0.96, 0.9, 0.94, 1.0, 1.06, 1.24)
# Orders by the customer's local hour: evenings after work are busiest.
HOUR_WEIGHTS = (
    0.35, 0.2, 0.12, 0.08, 0.06, 0.08, 0.2, 0.45, 0.7, 0.85, 0.95, 1.0,
    1.05, 1.05, 1.0, 1.0, 1.05, 1.15, 1.3, 1.5, 1.6, 1.5, 1.1, 0.7,
)  # fmt: skip


def tracking_number(carrier: str, digits: str) -> str:
    """A tracking number in the shape the carrier uses, from a string of random digits."""
    d = digits
    shapes = {
        "USPS": f"9400{d[:18]}",
        "UPS": f"1Z{d[:6]}03{d[6:14]}",
        "FedEx": d[:12],
        "Canada Post": d[:16],
        "Purolator": f"3{d[:11]}",
        "Royal Mail": f"RM{d[:9]}GB",
        "Evri": f"H00{d[:13]}",
        "DPD": f"0{d[:13]}",
        "Colissimo": f"6A{d[:11]}",
        "Chronopost": f"XY{d[:9]}FR",
        "Hermes": f"H10{d[:17]}",
        "GLS": d[:11],
        "DHL": f"00340434{d[:12]}",
        "DHL Express": d[:10],
        "Aramex": d[:11],
        "GIG Logistics": f"GIG{d[:9]}",
        "The Courier Guy": f"TCG{d[:8]}",
        "Pargo": f"PGO{d[:9]}",
        "G4S": f"G4S{d[:9]}KE",
    }
    return shapes.get(carrier, d[:12])
