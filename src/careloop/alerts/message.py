"""The channel-neutral alert message: what a notification says, whatever carries it. Each
channel (Feishu card, Slack blocks, e-mail, JSON webhook) renders the same message its own way,
and the outbox stores it as JSON so a retry sends exactly what was enqueued."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_TITLE = 200
MAX_SUMMARY = 4000
MAX_FIGURES = 20
MAX_LABELS = 30


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Figure:
    """One key figure of an alert, already formatted: ("Complaints per 1,000", "41.2")."""

    label: str
    value: str


@dataclass(frozen=True)
class AlertMessage:
    """Title, severity, a summary, key figures, the alert's labels and two links: the
    drill-down to the records behind it and the page that acknowledges it."""

    title: str
    severity: Severity
    summary: str = ""
    figures: tuple[Figure, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    drill_url: str | None = None
    ack_url: str | None = None

    def __post_init__(self) -> None:
        if not self.title.strip() or len(self.title) > MAX_TITLE:
            raise ValueError(f"a message title has 1 to {MAX_TITLE} characters")
        if len(self.summary) > MAX_SUMMARY:
            raise ValueError(f"a message summary has at most {MAX_SUMMARY} characters")
        if len(self.figures) > MAX_FIGURES or len(self.labels) > MAX_LABELS:
            raise ValueError(f"at most {MAX_FIGURES} figures and {MAX_LABELS} labels")

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "severity": self.severity.value,
            "summary": self.summary,
            "figures": [{"label": f.label, "value": f.value} for f in self.figures],
            "labels": dict(sorted(self.labels.items())),
            "drill_url": self.drill_url,
            "ack_url": self.ack_url,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertMessage:
        """The message `to_json` wrote; a malformed document is a ValueError."""
        try:
            return cls(
                title=str(data["title"]),
                severity=Severity(data["severity"]),
                summary=str(data.get("summary") or ""),
                figures=tuple(
                    Figure(str(f["label"]), str(f["value"])) for f in data.get("figures") or []
                ),
                labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
                drill_url=data.get("drill_url") or None,
                ack_url=data.get("ack_url") or None,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not an alert message: {exc}") from None

    def plain_text(self) -> str:
        """The message as plain lines: the e-mail's text part and the chat fallback text."""
        lines = [f"[{self.severity.value.upper()}] {self.title}"]
        if self.summary:
            lines += ["", self.summary]
        if self.figures:
            lines += [""] + [f"{f.label}: {f.value}" for f in self.figures]
        if self.labels:
            lines += ["", ", ".join(f"{k}={v}" for k, v in sorted(self.labels.items()))]
        if self.drill_url:
            lines += ["", f"Details: {self.drill_url}"]
        if self.ack_url:
            lines.append(f"Acknowledge: {self.ack_url}")
        return "\n".join(lines)
