"""The live board over JSON: on a built scenario its numbers equal a straight count of the
queue, the agents on duty and the tickets whose SLA is at risk or breached; leads and admins
may read it, agents may not."""

from __future__ import annotations

from datetime import timedelta

from careloop.accounts.model import Role
from careloop.sla.tables import SlaEvent
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.tickets.tables import Ticket
from careloop.workforce import actions as workforce
from careloop.workforce import attendance
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload

H = timedelta(hours=1)
M = timedelta(minutes=1)


def rostered(db, clock, *, clock_in=True, **kw):
    agent = make_agent(db, clock, **kw)
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    if clock_in:
        attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    return agent


def waiting(db, clock, **overrides):
    """A ticket stored without routing (as when nobody could take it), then a minute passes."""
    payload = ticket_payload(**overrides)
    payload.pop("customer")
    ticket, _ = tickets.create_ticket(
        db, actor=ACTOR, now=clock.now(), data=TicketCreate.model_validate(payload)
    )
    clock.advance(M)
    return ticket


def set_due(db, ticket_id, **due):
    with db.write() as s:
        ticket = s.get_one(Ticket, ticket_id)
        for field, value in due.items():
            setattr(ticket, field, value)


def scenario(db, clock):
    """Two teams on duty at 09:00; five tickets waiting, one assigned, four with due instants."""
    start = clock.now()
    for team in ("EU care", "US care"):
        workforce.create_team(db, actor=ACTOR, now=start, name=team)
    anna = rostered(db, clock, name="Anna", languages=("en", "fr"), capacity=2, team="EU care")
    bert = rostered(db, clock, name="Bert", languages=("de",), capacity=3, team="EU care")
    attendance.start_break(db, actor=ACTOR, now=clock.now(), agent_id=bert.id)
    rostered(db, clock, clock_in=False, name="Cleo", languages=("en",), team="EU care")
    dana = rostered(
        db, clock, name="Dana", languages=("en",), skills=("category:refund",), team="US care"
    )
    t = {
        "en_quality_1": waiting(db, clock, language="en", category="quality"),
        "fr_logistics": waiting(db, clock, language="fr", category="logistics", channel="chat"),
        "en_quality_2": waiting(db, clock, language="en", category="quality", priority="urgent"),
        "de_refund": waiting(db, clock, language="de", category="refund"),
        "en_refund": waiting(db, clock, language="en", category="refund", channel="chat"),
        "held": waiting(db, clock, language="en", category="other"),
    }
    tickets.update_ticket(
        db,
        actor=ACTOR,
        now=clock.now(),
        ticket_id=t["held"].id,
        data=TicketUpdate(assignee_id=anna.id),
    )
    clock.advance(10 * M)  # 09:16
    now = clock.now()
    # Breached 5 minutes ago (first response); at risk in 20 minutes (resolution); outside the
    # window (in 2 hours); a met first response that no longer counts.
    set_due(db, t["held"].id, first_response_due_at=now - 5 * M, resolution_due_at=now + H)
    set_due(db, t["fr_logistics"].id, resolution_due_at=now + 20 * M)
    set_due(db, t["de_refund"].id, first_response_due_at=now + 2 * H)
    set_due(db, t["en_refund"].id, first_response_at=now - M, first_response_due_at=now - 2 * M)
    events = [  # kind, due, acknowledged
        ("warning", now - 5 * M, None),
        ("breach", now - 5 * M, None),
        ("warning", now - H, now),
    ]
    with db.write() as s:
        for kind, due, acknowledged in events:
            s.add(
                SlaEvent(
                    ticket_id=t["held"].id,
                    target="first_response",
                    kind=kind,
                    due_at=due,
                    at=now - M,
                    actions={},
                    acknowledged_at=acknowledged,
                )
            )
    return start, {"anna": anna, "bert": bert, "dana": dana}, t


def test_the_board_counts_the_queue_the_agents_and_the_sla(client, auth, db, clock):
    start, agents, t = scenario(db, clock)
    r = client.get("/api/v1/board", headers=auth(Role.SUPERVISOR))
    assert r.status_code == 200, r.text
    body = r.json()
    now = clock.now()
    assert body["at"] == now.isoformat().replace("+00:00", "Z")

    queue = body["queue"]
    assert queue["waiting"] == 5
    assert queue["oldest_wait_seconds"] == int((now - t["en_quality_1"].created_at).total_seconds())

    def groups(key):
        return {g["value"]: (g["waiting"], g["agents_available"]) for g in queue[key]}

    # Anna (en, fr; one of two taken) may take English and French tickets without a skill;
    # Dana (en, refunds only) English refunds; Bert is on a break.
    assert groups("by_language") == {"en": (3, 2), "fr": (1, 1), "de": (1, 0)}
    assert groups("by_category") == {"quality": (2, 1), "logistics": (1, 1), "refund": (2, 2)}
    assert groups("by_channel") == {"email": (3, 1), "chat": (2, 2)}
    [en] = [g for g in queue["by_language"] if g["value"] == "en"]
    assert en["oldest_wait_seconds"] == 16 * 60
    assert queue["by_language"][0]["value"] == "en"  # the biggest group first
    # Queue order: urgent first, then the soonest unmet SLA due instant (en_refund's first
    # response is met), then the longest waiting.
    first = [w["ticket_id"] for w in queue["first"]]
    assert first == [
        t[k].id for k in ("en_quality_2", "fr_logistics", "de_refund", "en_quality_1", "en_refund")
    ]
    by_id = {w["ticket_id"]: w for w in queue["first"]}
    assert by_id[t["en_refund"].id]["eligible_agent_ids"] == sorted(
        [agents["anna"].id, agents["dana"].id]
    )
    assert by_id[t["de_refund"].id]["eligible_agent_ids"] == []

    duty = body["duty"]
    assert (duty["on_duty"], duty["on_break"], duty["rostered_not_clocked_in"]) == (2, 1, 1)
    rows = {a["name"]: a for a in duty["agents"]}
    assert set(rows) == {"Anna", "Bert", "Dana"}
    assert (rows["Anna"]["open_tickets"], rows["Anna"]["capacity"]) == (1, 2)
    assert rows["Anna"]["since"] == start.isoformat().replace("+00:00", "Z")
    assert rows["Bert"]["on_break"] is True and rows["Anna"]["on_break"] is False

    sla = body["sla"]
    assert (sla["breached"], sla["at_risk"]) == (1, 1)
    [late] = sla["breached_items"]
    assert late["ticket_id"] == t["held"].id and late["target"] == "first_response"
    assert late["late_seconds"] == 300 and late["assignee"] == "Anna"
    [risky] = sla["at_risk_items"]
    assert risky["ticket_id"] == t["fr_logistics"].id and risky["target"] == "resolution"
    assert risky["late_seconds"] == -20 * 60 and risky["assignee"] is None
    assert sla["unacknowledged"] == 2
    assert {e["kind"] for e in sla["events"]} == {"warning", "breach"}


def test_filters_narrow_the_agents_to_a_team_and_everything_to_a_language(client, auth, db, clock):
    _, agents, t = scenario(db, clock)
    headers = auth(Role.SUPERVISOR)
    team_id = agents["dana"].team_id
    body = client.get(f"/api/v1/board?team_id={team_id}", headers=headers).json()
    assert [a["name"] for a in body["duty"]["agents"]] == ["Dana"]
    assert body["duty"]["on_duty"] == 1 and body["duty"]["rostered_not_clocked_in"] == 0
    assert body["queue"]["waiting"] == 5  # tickets have no team

    body = client.get("/api/v1/board?language=FR", headers=headers).json()
    assert body["language"] == "fr"
    assert body["queue"]["waiting"] == 1
    assert [w["ticket_id"] for w in body["queue"]["first"]] == [t["fr_logistics"].id]
    assert [g["value"] for g in body["queue"]["by_category"]] == ["logistics"]
    assert [a["name"] for a in body["duty"]["agents"]] == ["Anna"]
    assert (body["sla"]["at_risk"], body["sla"]["breached"], body["sla"]["unacknowledged"]) == (
        1,
        0,
        0,
    )


def test_a_full_sla_list_is_capped_but_counted(client, auth, db, clock):
    now = clock.now()
    made = [waiting(db, clock) for _ in range(53)]
    for n, ticket in enumerate(made):
        set_due(db, ticket.id, resolution_due_at=now - timedelta(seconds=n))
    body = client.get("/api/v1/board", headers=auth(Role.ADMIN)).json()
    assert body["sla"]["breached"] == 53
    items = body["sla"]["breached_items"]
    assert len(items) == 50
    assert items[0]["ticket_id"] == made[-1].id  # the latest first


def test_an_empty_board(client, auth):
    body = client.get("/api/v1/board", headers=auth(Role.SUPERVISOR)).json()
    assert body["queue"]["waiting"] == 0 and body["queue"]["oldest_wait_seconds"] is None
    assert body["duty"]["agents"] == [] and body["sla"]["events"] == []


def test_bad_filters_are_refused(client, auth):
    headers = auth(Role.SUPERVISOR)
    assert client.get("/api/v1/board?language=xx", headers=headers).status_code == 422
    assert client.get("/api/v1/board?team_id=0", headers=headers).status_code == 422


def test_only_leads_and_admins_read_the_board(client, auth):
    assert client.get("/api/v1/board", headers=auth(Role.AGENT)).status_code == 403
    assert client.get("/api/v1/board", headers=auth(Role.VIEWER)).status_code == 403
    assert client.get("/api/v1/board", headers=auth(Role.SUPERVISOR)).status_code == 200
    assert client.get("/api/v1/board").status_code == 401
