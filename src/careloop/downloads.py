"""Download headers: a file name any client can read, whatever the characters in it."""

from __future__ import annotations

import re
from urllib.parse import quote


def attachment(filename: str) -> dict[str, str]:
    """`Content-Disposition` for a download named `filename`: an ASCII name for old clients
    and the exact name in RFC 6266's `filename*` (a header value must be Latin-1, so a batch or
    view name in another script would otherwise fail the response)."""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "download"
    return {
        "Content-Disposition": (
            f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
        )
    }
