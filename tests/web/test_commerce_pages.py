"""Customers and orders pages."""

from __future__ import annotations

from careloop.accounts.model import Role


def test_customers_list_search_and_page(sign_in, make_user, make_order, make_ticket):
    browser = sign_in(make_user(Role.VIEWER))
    order = make_order(country="NG")
    make_order()
    ticket = make_ticket(order_id=order.id, subject="Wrong colour sent")
    listing = browser.get("/customers").text
    assert "Amina Diallo 1" in listing and "Amina Diallo 2" in listing
    found = browser.get("/customers?q=amina2").text
    assert "Amina Diallo 2" in found and "Amina Diallo 1" not in found
    page = browser.get(f"/customers/{order.customer_id}")
    assert page.status_code == 200
    assert f"/orders/{order.id}" in page.text and "€189.90" in page.text
    assert f"/tickets/{ticket.id}" in page.text and "Wrong colour sent" in page.text


def test_orders_list_filters_and_order_page(sign_in, make_user, make_order, make_ticket):
    browser = sign_in(make_user(Role.AGENT, timezone="Africa/Lagos"))
    usd = make_order(
        currency="USD",
        total_amount="59.00",
        line_items=[{"sku": "BOB-10", "batch": "B9", "quantity": 2, "unit_price": "29.50"}],
        refunds=[
            {"amount": "29.50", "reason": "one arrived tangled", "created_at": "2026-11-01T10:00Z"}
        ],
    )
    make_order()
    listing = browser.get("/orders?sku=BOB-10").text
    assert f"/orders/{usd.id}" in listing and "$59.00" in listing and "€189.90" not in listing
    ticket = make_ticket(order_id=usd.id)
    page = browser.get(f"/orders/{usd.id}").text
    assert "BOB-10" in page and "B9" in page and "$29.50" in page
    assert "one arrived tangled" in page
    assert f"/tickets/{ticket.id}" in page
    assert "Nov 1, 2026, 11:00" in page  # the refund, in Lagos time (UTC+1)


def test_missing_customer_or_order_is_a_404_page(sign_in, make_user):
    browser = sign_in(make_user(Role.AGENT))
    for url in ("/customers/4242", "/orders/4242"):
        r = browser.get(url)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert browser.get("/orders/not-a-number").status_code == 422
