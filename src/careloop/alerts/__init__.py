"""Alerts: rules over the complaint stream, delivered through a durable outbox."""
