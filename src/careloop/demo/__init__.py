"""The demo brand: `careloop demo` fills an empty database with a believable wig business.

Three brands (one of them a B2B salon line), orders with line items, production batches,
shipments, refunds and returns across eight markets, tickets in the customers' languages
with replies and internal notes, and a user for each role.

Determinism: everything is drawn from `random.Random` seeded with `--seed`, so the same seed
gives the same ids, names, e-mails, SKUs, amounts, subjects and texts. Instants are not frozen:
they are placed in the 90 days before the real current time, with the real weekly rhythm (the
busiest weekday follows the calendar), so a demo loaded today looks alive today. What follows
from instants therefore follows the calendar too: production batch codes carry their ISO week,
and whether a parcel has arrived or a ticket is still open depends on how long ago it happened.
"""
