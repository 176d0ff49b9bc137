"""The shape of the demo's ticket texts in one language.

Texts are `str.format` templates; the placeholders they may use are {first} (the customer's
first name), {order}, {product}, {other} (the item sent by mistake), {carrier}, {tracking},
and in replies {agent} and {brand}. Every language has, per category, complaints tagged with
what they are about, a first reply and a resolution, plus follow-ups, thanks and a signature.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = (
    "logistics",
    "quality",
    "wrong_item",
    "size_color",
    "refund",
    "not_as_described",
    "other",
)


@dataclass(frozen=True)
class Complaint:
    subject: str
    body: str
    tags: str  # space-separated

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


@dataclass(frozen=True)
class LanguageTexts:
    complaints: dict[str, list[Complaint]]
    first_replies: dict[str, str]
    resolutions: dict[str, str]
    follow_ups: list[str]
    thanks: list[str]
    signature: str

    def problems(self) -> list[str]:
        """What is missing: each category needs complaints, a first reply and a resolution."""
        out = []
        for category in CATEGORIES:
            if not self.complaints.get(category):
                out.append(f"no complaints for {category}")
            if category not in self.first_replies:
                out.append(f"no first reply for {category}")
            if category not in self.resolutions:
                out.append(f"no resolution for {category}")
        return out
