"""The careloop command: serve, worker, migrate, demo, users and tokens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from careloop.config import Settings

if TYPE_CHECKING:
    from careloop.storage.engine import Database

app = typer.Typer(help="careloop: customer-care operations for cross-border e-commerce brands.")
token_app = typer.Typer(help="API tokens.")
user_app = typer.Typer(help="Users.")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="CARELOOP_DATABASE_URL", help="SQLAlchemy URL of the database"
    ),
]


def _settings(database_url: str | None) -> Settings:
    settings = Settings.from_env()
    if database_url:
        from dataclasses import replace

        settings = replace(settings, database_url=database_url)
    return settings


def _db(database_url: str | None):  # type: ignore[no-untyped-def]
    from careloop.storage.engine import Database

    return Database(_settings(database_url).database_url)


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Bring the database schema up to date."""
    from careloop.storage.migrate import upgrade

    settings = _settings(database_url)
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (PostgreSQL only)")] = 1,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve pages, the API and /healthz; it never adds data by itself."""
    import os

    import uvicorn

    settings = _settings(database_url)
    os.environ["CARELOOP_DATABASE_URL"] = settings.database_url
    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise typer.BadParameter("several workers need PostgreSQL; SQLite serves from one process")
    if workers > 1 and "CARELOOP_SECRET_KEY" not in os.environ:
        raise typer.BadParameter("several workers must share CARELOOP_SECRET_KEY for sessions")
    uvicorn.run(
        "careloop.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@app.command()
def worker(
    database_url: DatabaseUrl = None,
    once: Annotated[bool, typer.Option("--once", help="run what is due once, then exit")] = False,
) -> None:
    """Run the background jobs until stopped (SIGTERM, Ctrl-C); each tick runs once across
    every worker and server process. CARELOOP_JOBS=module:function replaces the job list."""
    from careloop.jobs import foreground

    raise typer.Exit(foreground.main(_db(database_url), once=once, echo=typer.echo))


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="same seed, same data")] = 7,
    scale: Annotated[
        str,
        typer.Option(
            help="small: 5,000 orders over 90 days; large: a year, 1,000,000 orders and"
            " 300,000 tickets with seasonality and planted problems (minutes)",
            metavar="small|large",
        ),
    ] = "small",
    orders: Annotated[
        int | None, typer.Option(help="how many orders [default: 5,000 or 1,000,000]")
    ] = None,
    tickets: Annotated[
        int | None, typer.Option(help="how many tickets [default: 800 or 300,000]")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing when tickets exist")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Fill an empty database with a believable brand and print a user for each role; the
    large scale draws its progress on stderr."""
    from careloop.tickets.commerce_queries import count_rows

    if scale not in ("small", "large"):
        raise typer.BadParameter("choose small or large", param_hint="--scale")
    db = _db(database_url)
    if count_rows(db)["tickets"] > 0:
        if if_empty:
            typer.echo("the database holds tickets already; demo not loaded")
            return
        raise typer.BadParameter("the demo goes into an empty database only")
    if scale == "large":
        from careloop.demo.large import ORDERS, TICKETS, load_large_demo
        from careloop.demo.large_progress import progress_bar
        from careloop.errors import DomainError

        try:
            with progress_bar() as progress:
                report = load_large_demo(
                    db,
                    seed=seed,
                    orders=ORDERS if orders is None else orders,
                    tickets=TICKETS if tickets is None else tickets,
                    progress=progress,
                )
        except DomainError as exc:
            raise typer.BadParameter(str(exc)) from None
    else:
        from careloop.demo.generate import load_demo

        try:
            report = load_demo(
                db,
                seed=seed,
                orders=5000 if orders is None else orders,
                tickets=800 if tickets is None else tickets,
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    typer.echo(report.summary())
    if scale == "large":  # the small demo builds them itself, before evaluating its alert rules
        _rebuild_rollups(db)


def _rebuild_rollups(db: Database) -> None:
    """Recompute the dashboards' rollups after a bulk load (faster than the refresh job
    working through a mark per row written)."""
    import time

    from careloop.insights.refresh import rebuild_rollups

    started = time.perf_counter()
    written = rebuild_rollups(db)
    typer.echo(
        f"  insights rollups rebuilt: {sum(written.values()):,} rows"
        f" in {time.perf_counter() - started:.1f} s"
    )


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, supervisor, agent, viewer or integrator")],
    name: Annotated[str, typer.Option(help="what the token is for")],
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API token and print it on its own line (it is shown only once)."""
    from careloop.accounts.actions import create_token
    from careloop.accounts.model import Role
    from careloop.clock import SystemClock
    from careloop.errors import DomainError
    from careloop.storage.audit import Actor

    try:
        parsed = Role(role)
    except ValueError:
        raise typer.BadParameter(f"unknown role {role!r}", param_hint="--role") from None
    try:
        issued = create_token(
            _db(database_url),
            actor=Actor(user_id=None, label="cli"),
            now=SystemClock().now(),
            name=name,
            role=parsed,
        )
    except DomainError as exc:
        raise typer.BadParameter(exc.message) from None
    print(issued.token)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    timezone: Annotated[str, typer.Option()] = "UTC",
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user who signs in to the web UI with a password."""
    from careloop.accounts.actions import create_user
    from careloop.accounts.model import Role
    from careloop.clock import SystemClock
    from careloop.errors import DomainError
    from careloop.storage.audit import Actor

    try:
        user = create_user(
            _db(database_url),
            actor=Actor(user_id=None, label="cli"),
            now=SystemClock().now(),
            email=email,
            name=name,
            role=Role(role),
            password=password,
            timezone=timezone,
        )
    except (DomainError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(f"user {user.id} created")


shop_app = typer.Typer(help="Shops that send signed webhooks (Shopify).")
app.add_typer(shop_app, name="shop")


@shop_app.command("add")
def shop_add(
    brand: Annotated[str, typer.Option(help="code of the brand the shop sells")],
    domain: Annotated[str, typer.Option(help="the shop's X.myshopify.com domain")],
    secret: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            envvar="CARELOOP_SHOP_SECRET",
            help="the secret Shopify signs webhooks with (at least 16 characters)",
        ),
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Configure a shop whose webhooks POST /hooks/shopify takes in."""
    from careloop.clock import SystemClock
    from careloop.errors import DomainError
    from careloop.storage.audit import Actor
    from careloop.tickets.commerce import create_shop

    if not domain.strip().lower().endswith(".myshopify.com"):
        # Shopify names the shop by this domain in X-Shopify-Shop-Domain, never a custom one.
        raise typer.BadParameter("give the shop's X.myshopify.com domain", param_hint="--domain")
    try:
        shop = create_shop(
            _db(database_url),
            actor=Actor(user_id=None, label="cli"),
            now=SystemClock().now(),
            brand_code=brand,
            domain=domain,
            secret=secret,
        )
    except DomainError as exc:
        raise typer.BadParameter(exc.message) from None
    typer.echo(f"shop {shop.id} ({shop.domain}) added; point its webhooks at /hooks/shopify")


roster_app = typer.Typer(help="Rosters solved with OR-Tools CP-SAT.")
app.add_typer(roster_app, name="roster")


@roster_app.command("benchmark")
def roster_benchmark(
    paths: Annotated[list[Path], typer.Argument(help="Curtois & Qu instance files")],
    time_limit: Annotated[float, typer.Option(help="seconds per instance")] = 60.0,
    workers: Annotated[int, typer.Option(help="CP-SAT workers")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON list of rows")] = False,
) -> None:
    """Solve benchmark instances; print objective, bound, best known value and gap to it."""
    import json

    from careloop.errors import DomainError
    from careloop.workforce.shift_benchmark import benchmark_row

    rows = []
    for path in paths:
        try:
            row = benchmark_row(path, time_limit=time_limit, workers=workers)
        except (DomainError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        rows.append(row)
        if not as_json:
            gap = "-" if row["gap"] is None else f"{row['gap']:.2%}"
            figures = [f"{row[k]!s:>6}" for k in ("objective", "bound", "best_known")]
            typer.echo(
                f"{row['instance']:<12} objective {figures[0]}  bound {figures[1]}"
                f"  best known {figures[2]}  gap {gap:>7}  {row['seconds']:.1f} s"
            )
    if as_json:
        typer.echo(json.dumps(rows))


if __name__ == "__main__":
    app()
