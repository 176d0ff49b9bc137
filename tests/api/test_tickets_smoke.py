from careloop.accounts.model import Role


def test_create_and_get_ticket(client, auth):
    h = auth(Role.INTEGRATOR)
    r = client.post(
        "/api/v1/tickets",
        json={"subject": "Wig shedding", "body": "Hair falls out", "language": "en"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["status"] == "new" and t["assignee_id"] is None and t["language"] == "en"
    r = client.get(f"/api/v1/tickets/{t['id']}", headers=h)
    assert r.status_code == 200
    assert r.json()["subject"] == "Wig shedding"
