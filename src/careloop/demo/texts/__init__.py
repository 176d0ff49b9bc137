"""What the demo's customers and agents write: ticket texts by language (one module per
language), the team's internal notes (in English, the team's working language), and the
reasons shops record on refunds and returns."""

from __future__ import annotations

from careloop.demo.texts import de, en, es, fr, ha, sw, yo, zu
from careloop.demo.texts.kinds import CATEGORIES, Complaint, LanguageTexts

TEXTS: dict[str, LanguageTexts] = {
    "en": en.TEXTS,
    "fr": fr.TEXTS,
    "de": de.TEXTS,
    "es": es.TEXTS,
    "sw": sw.TEXTS,
    "zu": zu.TEXTS,
    "yo": yo.TEXTS,
    "ha": ha.TEXTS,
}

# Internal notes by category; {sku}, {batch}, {carrier}, {tracking} and {order} are filled in.
NOTES: dict[str, list[str]] = {
    "logistics": [
        "Opened a trace with {carrier} for {tracking}.",
        "{carrier} says the parcel is held for customs clearance; asked the broker for the duty "
        "amount.",
        "Checked the carrier portal: last scan at the hub three days ago. Chasing {carrier}.",
    ],
    "quality": [
        "Checked the order: SKU {sku}, batch {batch}. Asking for photos, then logging for QA.",
        "Customer says she followed the care guide (one wash, no heat). Refund without return "
        "once the photos confirm it.",
        "Hair defect on {sku} ({batch}); goodwill replacement is fine if the customer prefers it.",
    ],
    "wrong_item": [
        "Pick error confirmed from the packing photo. Reshipping {sku} today.",
        "Return label sent; reship before the return arrives (customer in good standing).",
    ],
    "size_color": [
        "Exchange approved; customer wants the large cap.",
        "Colour matches the swatch in our photos; exchange offered as goodwill.",
    ],
    "refund": [
        "Order found in Shopify; asked payments to process the refund.",
        "Two authorisations, one capture: not a double charge. Will explain to the customer.",
    ],
    "not_as_described": [
        "Forwarded the listing wording to marketing: the density claim needs review.",
        "Offered a 30% partial refund; customer may still return for the full amount.",
    ],
    "other": [
        "Pre-sale question; sent the shipping times page.",
        "Wholesale lead: forwarded to the B2B team.",
    ],
}

PLANTED_QUALITY_NOTES = [
    "Another shedding report on {sku} batch {batch}. Flagged to production.",
    "Same pattern as the other {sku} tickets this week: wefts loosening, batch {batch}.",
    "QA asked to hold the remaining stock of {sku} batch {batch}.",
]
PLANTED_LOGISTICS_NOTES = [
    "Another {carrier} parcel held at Lagos customs. Broker says the clearance backlog started "
    "about two weeks ago.",
    "{carrier} confirms a customs backlog at Lagos; no ETA yet. Customer told we are on it.",
]

# Refund reasons as shops record them, by the ticket category that led to them.
REFUND_REASONS = {
    "quality": "Quality issue: hair shedding or tangling",
    "wrong_item": "Wrong item sent",
    "size_color": "Size or colour not as expected",
    "refund": "Customer requested cancellation",
    "not_as_described": "Not as described: goodwill partial refund",
    "logistics": "Parcel lost in transit",
}
# Return reason codes and the customer's note.
RETURN_REASONS = {
    "quality": ("quality", "Hair sheds when combed"),
    "wrong_item": ("wrong_item", "Received a different item"),
    "size_color": ("size_color", "Cap too small / colour too light"),
    "not_as_described": ("not_as_described", "Density lower than advertised"),
}
BACKGROUND_RETURN_REASONS = [
    ("changed_mind", "No longer needed"),
    ("size_color", "Colour does not suit me"),
    ("damaged", "Packaging damaged, lace torn"),
    ("quality", "Hair feels dry"),
]

__all__ = [
    "BACKGROUND_RETURN_REASONS",
    "CATEGORIES",
    "NOTES",
    "PLANTED_LOGISTICS_NOTES",
    "PLANTED_QUALITY_NOTES",
    "REFUND_REASONS",
    "RETURN_REASONS",
    "TEXTS",
    "Complaint",
    "LanguageTexts",
]
