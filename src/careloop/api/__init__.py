"""The JSON API under /api/v1 and the signed webhooks under /hooks."""
