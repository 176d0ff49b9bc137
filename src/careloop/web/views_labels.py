"""The words of the grid views: column titles per entity, filter operators, entity names
(msgids, translated where they are shown)."""

from __future__ import annotations

from careloop.web.i18n import N_

ENTITY_LABELS = {"tickets": N_("Tickets"), "orders": N_("Orders")}
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "tickets": {
        "id": N_("Ticket"),
        "subject": N_("Subject"),
        "status": N_("Status"),
        "priority": N_("Priority"),
        "category": N_("Category"),
        "channel": N_("Channel"),
        "language": N_("Language"),
        "country": N_("Country"),
        "brand": N_("Brand"),
        "customer": N_("Customer"),
        "assignee": N_("Assignee"),
        "team": N_("Team"),
        "order": N_("Order"),
        "sku": N_("SKU"),
        "batch": N_("Batch"),
        "tags": N_("Tags"),
        "created": N_("Created"),
        "updated": N_("Updated"),
        "first_assigned": N_("First assigned"),
        "first_response": N_("First response"),
        "first_response_due": N_("First response due"),
        "resolution_due": N_("Resolution due"),
        "solved": N_("Solved at"),
        "closed": N_("Closed at"),
    },
    "orders": {
        "id": N_("Id"),
        "number": N_("Order"),
        "brand": N_("Brand"),
        "customer": N_("Customer"),
        "country": N_("Country"),
        "region": N_("Region"),
        "carrier": N_("Carrier"),
        "shipment_status": N_("Shipment"),
        "financial_status": N_("Payment"),
        "total": N_("Total"),
        "currency": N_("Currency"),
        "items": N_("Items"),
        "placed": N_("Placed"),
        "shipped": N_("Shipped"),
        "delivered": N_("Delivered"),
        "updated": N_("Updated"),
    },
}
OP_LABELS = {
    "eq": N_("is"),
    "in": N_("is one of"),
    "contains": N_("contains"),
    "before": N_("before"),
    "after": N_("on or after"),
    "empty": N_("is empty"),
    "filled": N_("is not empty"),
}
