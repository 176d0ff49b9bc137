"""A process's recent view of who is on duty, reused by the routing of the tickets its requests
create. Reading the roster for every small batch cost more than the batch itself (the duty
query over shifts, clock-ins, breaks and leave, and every agent's languages and skills decoded),
while duty changes a few times an hour.

Reusing a view up to `TTL` old never breaks routing's promises, because the view only proposes:
the chosen agents are locked and their duty, capacity and load read again under the lock
(`actions._Batch._lock`), and an agent found off duty there leaves the view at once. What a
reused view can do is miss an agent who came on duty since it was taken; so a batch that leaves
tickets unassigned on a reused view tries them again on a fresh one. Loads are never reused:
every batch counts them afresh (one GROUP BY). Queue drains and sweeps always read afresh."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from careloop.routing.model import Candidate
from careloop.tickets.queries import open_tickets_by_assignee

TTL = timedelta(seconds=1)


class DutySnapshot:
    """The candidates as last read and when; safe to share between a process's threads."""

    def __init__(self, ttl: timedelta = TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._taken_at: datetime | None = None
        self._candidates: dict[int, Candidate] = {}

    def reusable(self, now: datetime) -> list[Candidate] | None:
        """The kept candidates when taken at most `ttl` before `now` (never after it), else None."""
        with self._lock:
            taken = self._taken_at
            if taken is None or not taken <= now < taken + self.ttl:
                return None
            return list(self._candidates.values())

    def candidates_in(self, s: Session, now: datetime) -> list[Candidate] | None:
        """The kept candidates with their loads counted now, or None when a fresh read is due."""
        kept = self.reusable(now)
        if kept is None:
            return None
        loads = open_tickets_by_assignee(s, [c.agent_id for c in kept])
        return [replace(c, open_tickets=loads.get(c.agent_id, 0)) for c in kept]

    def keep(self, candidates: Iterable[Candidate], now: datetime) -> None:
        """A fresh read, taken at `now`."""
        with self._lock:
            self._taken_at = now
            self._candidates = {c.agent_id: c for c in candidates}

    def settle(self, seen: Iterable[Candidate], gone: Iterable[int]) -> None:
        """After a batch: what it learnt under the locks (an agent's latest assignment, for the
        longest-idle choice) and the agents it found off duty, who leave the view."""
        with self._lock:
            for candidate in seen:
                if candidate.agent_id in self._candidates:
                    self._candidates[candidate.agent_id] = candidate
            for agent_id in gone:
                self._candidates.pop(agent_id, None)

    def clear(self) -> None:
        with self._lock:
            self._taken_at = None
            self._candidates = {}
