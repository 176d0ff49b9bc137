"""Property-based run over /openapi.json: whatever a caller sends, the answer is never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from careloop.accounts.model import Role
from careloop.app import create_app
from careloop.config import Settings


def _operations() -> list[tuple[str, str]]:
    # Only the schema is read here; no database is opened.
    spec = create_app(Settings(database_url="sqlite:///unused-for-collection.db")).openapi()
    return [
        (method.upper(), path)
        for path, methods in spec["paths"].items()
        for method in methods
        if path != "/healthz"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_never_answers_5xx(app, make_token, method, path):
    headers = {"Authorization": f"Bearer {make_token(Role.ADMIN)}"}
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers={**(case.headers or {}), **headers})
        assert response.status_code < 500, f"{method} {case.formatted_path}: {response.text[:500]}"
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "details"}

    check()
