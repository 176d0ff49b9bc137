"""A large-demo ticket's life up to now, on float instants: assigned, noted, answered, waiting,
solved, closed; the messages and audit steps each leaves. The same story as the small demo's
(demo/lifecycle.py): six weeks ago the brand switched to careloop, so older tickets waited
about an hour to be assigned by hand and three for a first response, newer ones seconds and
minutes. Every instant is later than the one before it and none passes `now`."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from careloop.demo.large_calendar import DAY
from careloop.demo.texts import NOTES, PLANTED_LOGISTICS_NOTES, PLANTED_QUALITY_NOTES
from careloop.demo.texts.kinds import LanguageTexts

LIVE_SINCE = 42 * DAY
AUTO_CLOSE = 4 * DAY
MINUTE = 60.0


@dataclass
class Story:
    """What happened to one ticket; `messages` are (kind, body, at, by_agent), `audits` are
    (at, action, changes, index of the message it wrote or -1)."""

    created: float
    status: str = "new"
    assigned: float | None = None
    seen: float | None = None
    first_response: float | None = None
    solved: float | None = None
    closed: float | None = None
    updated: float = 0.0
    messages: list[tuple[str, str, float, bool]] = field(default_factory=list)
    audits: list[tuple[float, str, dict[str, tuple[Any, Any]], int]] = field(default_factory=list)

    def move(self, target: str, at: float) -> dict[str, tuple[Any, Any]]:
        """Change status as the real actions do; returns the audit changes."""
        if target == self.status:
            return {}
        changes: dict[str, tuple[Any, Any]] = {"status": (self.status, target)}
        if target == "solved":
            changes["solved_at"] = (self.solved, at)
            self.solved = at
        elif target == "closed":
            changes["closed_at"] = (None, at)
            self.closed = at
        elif self.status == "solved":
            changes["solved_at"] = (self.solved, None)
            self.solved = None
        self.status, self.updated = target, at
        return changes

    def say(self, kind: str, body: str, at: float, action: str, **changes: Any) -> None:
        self.messages.append((kind, body, at, kind != "customer"))
        self.audits.append((at, action, changes, len(self.messages) - 1))
        self.updated = at

    def step(self, at: float, action: str, changes: dict[str, tuple[Any, Any]]) -> None:
        self.audits.append((at, action, changes, -1))


def _minutes(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * rng.gauss(0, 1)) * MINUTE


def live(
    rng: random.Random,
    story: Story,
    *,
    now: float,
    category: str,
    texts: LanguageTexts,
    values: dict[str, str],
    body: str,
    planted: bool,
    assignee: int | None,
) -> None:
    """Play the ticket's life from its creation (the customer's message) up to `now`."""
    created = story.created
    story.updated = created
    story.messages.append(("customer", body, created, False))
    story.audits.append((created, "created", {}, 0))
    if (now - created) < LIVE_SINCE:
        queued = rng.random() < 0.15
        delay = rng.uniform(5, 150) * MINUTE if queued else rng.uniform(2, 40)
        frt, gap, reason = _minutes(rng, 16, 0.7), _minutes(rng, 25, 0.8), "routing"
    else:
        delay = rng.lognormvariate(math.log(70), 0.7) * MINUTE
        frt, gap, reason = _minutes(rng, 185, 0.55), _minutes(rng, 170, 0.6), "manual"
    assigned = created + delay
    if assignee is None or assigned > now:
        return
    story.assigned = assigned
    changes = {"assignee_id": (None, assignee)} | story.move("open", assigned)
    story.step(assigned, "assigned", changes | {"reason": (None, reason)})
    reply = max(created + frt, assigned + MINUTE)
    if rng.random() < (0.75 if planted else 0.25):
        _note(story, category, values, planted, assigned + (reply - assigned) * 0.6, now, rng)
    if reply > now:
        return
    story.seen = assigned + (reply - assigned) * 0.4
    story.first_response = reply
    signature = "\n\n" + texts.signature.format_map(values)
    if rng.random() < 0.3:  # answered and solved in one reply
        _reply(story, texts.resolutions[category].format_map(values) + signature, reply, True)
        _after_solved(rng, story, texts, now)
        return
    hold = rng.random() < 0.25 and category in {"logistics", "quality"}
    body = texts.first_replies[category].format_map(values) + signature
    _reply(story, body, reply, True, "on_hold" if hold else "pending")
    if rng.random() < 0.2:  # the customer never wrote back: solved after three days
        quiet = reply + 3 * DAY
        if quiet <= now:
            story.step(quiet, "updated", story.move("solved", quiet))
            _after_solved(rng, story, texts, now)
        return
    follow = reply + rng.lognormvariate(math.log(14), 0.8) * 3600
    if follow > now:
        return
    words = texts.follow_ups[rng.randrange(len(texts.follow_ups))]
    change = story.move("open", follow) if story.status == "pending" else {}
    story.say("customer", words, follow, "customer_wrote", **change)
    # Carriers, the warehouse and the quality team take a day or so to come back.
    waits = category not in {"other", "size_color"}
    second = follow + (rng.lognormvariate(math.log(28), 0.9) * 3600 if waits else gap)
    if second > now:
        return
    _reply(story, texts.resolutions[category].format_map(values) + signature, second, False)
    _after_solved(rng, story, texts, now)


def _reply(story: Story, body: str, at: float, first: bool, status: str = "solved") -> None:
    changes = story.move(status, at)
    if first:
        changes["first_response_at"] = (None, at)
    story.say("reply", body, at, "replied", **changes)


def _note(
    story: Story,
    category: str,
    values: dict[str, str],
    planted: bool,
    at: float,
    now: float,
    rng: random.Random,
) -> None:
    if at > now:
        return
    options = NOTES[category]
    if planted:
        options = PLANTED_QUALITY_NOTES if category == "quality" else PLANTED_LOGISTICS_NOTES
    story.say("note", options[rng.randrange(len(options))].format_map(values), at, "noted")


def _after_solved(rng: random.Random, story: Story, texts: LanguageTexts, now: float) -> None:
    """Thanks that reopen and get solved again, then the automatic close four days later."""
    thanks, thanks_h, resolve = rng.random() < 0.3, rng.uniform(0.3, 20), rng.uniform(3, 80)
    if story.solved is None:
        return
    if thanks and story.solved + thanks_h * 3600 <= now:
        at = story.solved + thanks_h * 3600
        words = texts.thanks[rng.randrange(len(texts.thanks))]
        story.say("customer", words, at, "customer_wrote", **story.move("open", at))
        again = at + resolve * MINUTE
        if again <= now:
            story.step(again, "updated", story.move("solved", again))
    if story.status == "solved" and story.solved is not None and story.solved + AUTO_CLOSE <= now:
        close = story.solved + AUTO_CLOSE
        story.step(close, "updated", story.move("closed", close))
