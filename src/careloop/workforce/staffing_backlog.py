"""Staffing for asynchronous tickets (e-mail, web forms), pure: the fewest agents per interval
so that every ticket gets its first response within the target, with what is left carried over.

The model is a fluid one. Tickets arrive evenly within each interval and are answered first in,
first out. A ticket that arrives at u is due at u + T, so the answered count must reach A(t - T)
at every instant t, where A is the cumulative arrival count. Staffing is lazy: an interval gets
only the agents the deadlines falling inside it need, and the work not yet due is carried
forward as backlog. That gives the fewest agent-hours; rounding up to whole agents answers
ahead, which later intervals then need less of.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from careloop.errors import Invalid
from careloop.workforce.staffing import scheduled_agents


@dataclass(frozen=True)
class BacklogTarget:
    """Every ticket answered within `first_response_seconds`; one agent answers
    `tickets_per_hour` working one ticket at a time and keeps `concurrency` going at once;
    `initial_backlog` tickets wait at the start (due a target's length later)."""

    first_response_seconds: float
    tickets_per_hour: float
    concurrency: float = 1.0
    shrinkage: float = 0.0
    initial_backlog: float = 0.0

    def check(self) -> None:
        for name in ("first_response_seconds", "tickets_per_hour", "concurrency"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise Invalid(f"{name} must be a positive number", {"field": name})
        if not 0 <= self.shrinkage < 1:
            raise Invalid("shrinkage must be at least 0 and below 1", {"field": "shrinkage"})
        if not (math.isfinite(self.initial_backlog) and self.initial_backlog >= 0):
            raise Invalid("initial_backlog must be zero or more", {"field": "initial_backlog"})


@dataclass(frozen=True)
class BacklogInterval:
    """One interval: its arrivals, the agents it needs (working, then scheduled after
    shrinkage), the tickets answered in it and the backlog left at its end."""

    arrivals: float
    agents: int
    scheduled: int
    answered: float
    backlog: float


class _Arrivals:
    """The cumulative arrival count A(u), u seconds from the start: the initial backlog at 0,
    then each interval's arrivals spread evenly over it."""

    def __init__(self, arrivals: Sequence[float], initial: float, length: float) -> None:
        self.arrivals, self.length = list(arrivals), length
        self.before = [initial]
        for a in self.arrivals:
            self.before.append(self.before[-1] + a)

    def at(self, u: float) -> float:
        if u < 0:
            return 0.0
        k = int(u // self.length)
        if k >= len(self.arrivals):
            return self.before[-1]
        return self.before[k] + self.arrivals[k] * (u - k * self.length) / self.length


def backlog_plan(
    arrivals: Sequence[float], interval_seconds: float, target: BacklogTarget
) -> list[BacklogInterval]:
    """Agents per interval meeting every first-response deadline that falls in the plan."""
    target.check()
    if not (math.isfinite(interval_seconds) and interval_seconds > 0):
        raise Invalid("interval_seconds must be a positive number", {"field": "interval_seconds"})
    if any(not (math.isfinite(a) and a >= 0) for a in arrivals):
        raise Invalid("arrivals must be zero or more", {"field": "arrivals"})
    length, due_after = interval_seconds, target.first_response_seconds
    per_agent = target.tickets_per_hour * target.concurrency / 3600  # tickets per second
    cum = _Arrivals(arrivals, target.initial_backlog, length)
    # D(t) = A(t - T) bends where an interval's arrivals start to fall due: check there too.
    bends = sorted(k * length + due_after for k in range(len(arrivals) + 1))
    answered_before, plan = 0.0, []
    for i, count in enumerate(arrivals):
        start, end = i * length, (i + 1) * length
        checks = [end, *bends[bisect.bisect_right(bends, start) : bisect.bisect_right(bends, end)]]
        need = 0
        for t in checks:
            short = cum.at(t - due_after) - answered_before
            if short > 1e-9:
                need = max(need, math.ceil(short / (per_agent * (t - start)) - 1e-9))
        answered_by_end = min(cum.at(end), answered_before + need * per_agent * length)
        plan.append(
            BacklogInterval(
                arrivals=count,
                agents=need,
                scheduled=scheduled_agents(need, target.shrinkage),
                answered=answered_by_end - answered_before,
                backlog=cum.at(end) - answered_by_end,
            )
        )
        answered_before = answered_by_end
    return plan
