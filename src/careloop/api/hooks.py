"""Signed webhooks under /hooks."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/hooks", tags=["webhooks"])
