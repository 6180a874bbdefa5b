"""The ``hotspots`` command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.config import Settings

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="West Lothian joint tasking hotspots service.")
boundaries_cli = typer.Typer(no_args_is_help=True, help="Boundary files: fetch or check.")
keys_cli = typer.Typer(no_args_is_help=True, help="API keys.")
cli.add_typer(boundaries_cli, name="boundaries")
cli.add_typer(keys_cli, name="keys")


def fail(msg: str, code: int = 1) -> None:
    """Print a one-line error and exit non-zero."""
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: one line, no traceback
        fail(f"bad configuration: {str(exc).splitlines()[0] if str(exc) else exc}")
        raise  # pragma: no cover


def _service(settings: Settings):  # type: ignore[no-untyped-def]
    from app.service import Service
    from geo.errors import BoundaryError

    try:
        return Service(settings)
    except BoundaryError as exc:
        fail(str(exc))
    except Exception as exc:
        fail(f"cannot start: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


def _serve(settings: Settings, host: str, port: int, *, banner: list[str] | None = None) -> None:
    import uvicorn

    from app.main import create_app

    svc = _service(settings)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if settings.auth == "off":
        typer.echo("WARNING: HOTSPOTS_AUTH=off — no authentication; every caller is admin. Local demo only.", err=True)
    for line in banner or []:
        typer.echo(line)
    uvicorn.run(create_app(settings, service=svc), host=host, port=port, log_level="info")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Run the HTTP service."""
    _serve(_settings(), host, port)


@cli.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="load the demo data, then exit")] = False,
) -> None:
    """Load the SYNTHETIC demo dataset into the embedded database (if empty) and serve."""
    from app.demo import load_demo

    settings = _settings()
    svc = _service(settings)
    report = load_demo(svc)
    typer.echo(report)
    if no_serve:
        return
    base = f"http://{host}:{port}"
    banner = [
        "SYNTHETIC DEMO DATA — not real police or fire records.",
        f"  API docs:        {base}/docs",
        f"  Health:          {base}/api/v1/health",
        f"  Ward statistics: {base}/api/v1/stats/wards?format=csv",
        f"  Tasking map:     {base}/api/v1/maps/tasking/west",
    ]
    if settings.auth == "on":
        banner.append("  (auth is on: send X-API-Key; create one with `hotspots keys create --role analyst --name me`)")
    _serve(settings, host, port, banner=banner)


@cli.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="file to load")],
    format: Annotated[str, typer.Option("--format", help="native, police-uk or sfrs")] = "native",
    agency: Annotated[str | None, typer.Option(help="police or fire, for rows that lack it")] = None,
) -> None:
    """Validate and store a file of incidents; exits 1 when rows were rejected."""
    from geo.errors import GeoError
    from geo.ingest import FORMATS, parse

    if format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}", 2)
    if agency is not None and agency not in ("police", "fire"):
        fail("--agency must be police or fire", 2)
    if not file.is_file():
        fail(f"{file}: no such file", 2)
    settings = _settings()
    data = file.read_bytes()
    if len(data) > settings.max_upload_bytes:
        fail(f"{file} is larger than HOTSPOTS_MAX_UPLOAD_BYTES ({settings.max_upload_bytes})")
    svc = _service(settings)
    try:
        raw = parse(data, format, agency=agency, filename=file.name, datazone_points=svc.datazone_points)
    except GeoError as exc:
        fail(str(exc))
    report = svc.store(svc.validate(raw), fmt=format, filename=file.name, key_name="cli")
    from app.routes.incidents import audit_ingest

    audit_ingest(svc, _cli_actor(), report, fmt=format, filename=file.name, agency=agency)
    for e in report["errors"][:20]:
        typer.echo(f"row {e['row']}: {e['field']}: {e['message']}", err=True)
    if len(report["errors"]) > 20:
        typer.echo(f"... and {len(report['errors']) - 20} more rejected rows", err=True)
    typer.echo(
        f"{file.name}: received {report['received']}, accepted {report['accepted']}, "
        f"duplicates {report['duplicates']}, rejected {report['rejected']} (batch {report['batch_id']})"
    )
    if report["rejected"]:
        raise typer.Exit(1)


@boundaries_cli.command("check")
def boundaries_check() -> None:
    """Load and validate the boundary files; report what is loaded."""
    from geo.boundaries import load_boundaries
    from geo.errors import BoundaryError

    settings = _settings()
    folder = settings.effective_boundaries_dir
    try:
        b = load_boundaries(folder)
    except BoundaryError as exc:
        fail(str(exc))
    typer.echo(f"boundaries in {folder} (version {b.version})")
    typer.echo(f"  data zones: {len(b.datazones)}, population {int(b.datazones['population'].sum()):,}, "
               f"SIMD ranks {int(b.datazones['simd_rank'].min())}..{int(b.datazones['simd_rank'].max())}")
    typer.echo(f"  wards: {len(b.wards)}, council area {b.area.area / 1e6:.3f} km²")
    for r in b.wards.itertuples():
        typer.echo(f"    {r.code} {r.name:<34} {r.tasking_group:<4} population {int(r.population):,}")


@boundaries_cli.command("fetch")
def boundaries_fetch(
    base_url: Annotated[str | None, typer.Option(help="override HOTSPOTS_BOUNDARIES_BASE_URL")] = None,
) -> None:
    """Download the boundary files (checksums verified) into the cache folder."""
    from geo.errors import BoundaryError
    from geo.fetch import fetch_boundaries

    settings = _settings()
    target = settings.effective_boundaries_dir
    url = base_url or settings.boundaries_base_url
    if not url:
        fail(
            "no download location: set HOTSPOTS_BOUNDARIES_BASE_URL (or --base-url) to a mirror of the "
            "files in geo/data/boundaries_manifest.json, or set HOTSPOTS_BOUNDARIES_DIR to a folder holding them"
        )
    try:
        paths = fetch_boundaries(target, base_url=url)
    except BoundaryError as exc:
        fail(str(exc))
    for p in paths:
        typer.echo(f"ok  {p}")
    typer.echo(f"{len(paths)} files verified in {target}")


def _cli_actor():  # type: ignore[no-untyped-def]
    """The audit actor for command-line operations: ``cli:<OS user>``, role ``cli``."""
    import getpass

    from app.audit import SystemActor

    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "unknown"
    return SystemActor(name=f"cli:{user}")


def _keys_engine():  # type: ignore[no-untyped-def]
    from app.db import make_engine, upgrade

    settings = _settings()
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    return engine


@keys_cli.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="admin, analyst, partner or viewer")],
    name: Annotated[str, typer.Option(help="who the key is for")],
    agency: Annotated[str | None, typer.Option(help="police or fire: the agency a partner key reads records of")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="expiry, ISO date or datetime (Europe/London)")] = None,
) -> None:
    """Create an API key and print it once."""
    from app import audit
    from app.security import ROLES, KeyFieldError, get_key, issue_key
    from geo.errors import GeoError
    from geo.periods import parse_instant

    if role not in ROLES:
        fail(f"--role must be one of {', '.join(ROLES)}", 2)
    if role == "partner" and agency is None:
        fail("a partner key is tied to one agency: give --agency police or --agency fire", 2)
    expires_at = None
    if expires:
        try:
            expires_at = parse_instant(expires, param="expires").to_pydatetime()
        except GeoError:
            fail(f"--expires must be an ISO date or datetime, got {expires!r}", 2)
    engine = _keys_engine()
    try:
        key_id, key = issue_key(engine, role=role, name=name, agency=agency, expires_at=expires_at)
    except KeyFieldError as exc:
        fail(f"--{exc.field.replace('_at', '')}: {exc}", 2)
    rec = get_key(engine, key_id)
    assert rec is not None
    audit.record(engine, _cli_actor(), "keys.create", target=key_id,
                 params={"role": role, "name": rec["name"], "agency": agency, "expires_at": rec["expires_at"]})
    typer.echo(key)
    scope = f", agency {agency}" if agency else ""
    until = f", expires {rec['expires_at']}" if rec["expires_at"] else ""
    typer.echo(f"(key {key_id} for {name!r}, role {role}{scope}{until}: store it now, it is not shown again)", err=True)


@keys_cli.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="the key's id (see `hotspots keys list`)")]) -> None:
    """Revoke an API key (effective on its next request)."""
    from app import audit
    from app.security import revoke_key

    engine = _keys_engine()
    res = revoke_key(engine, key_id)
    if res is None:
        fail(f"no API key {key_id}", 1)
        return
    rec, newly = res
    audit.record(engine, _cli_actor(), "keys.revoke", target=key_id,
                 params={"name": rec["name"], "role": rec["role"], "already_revoked": not newly})
    typer.echo(f"key {key_id} ({rec['name']}, {rec['role']}) {'revoked' if newly else 'was already revoked'} at {rec['revoked_at']}")


@keys_cli.command("list")
def keys_list() -> None:
    """List the API keys (id, name, role, agency, status); never the keys themselves."""
    from app.security import list_keys

    for r in list_keys(_keys_engine()):
        typer.echo(f"{r['id']:>4}  {r['status']:<8} {r['role']:<8} {r['agency'] or '-':<7} {r['name']}"
                   f"{'  expires ' + r['expires_at'] if r['expires_at'] else ''}")


@cli.command("map")
def map_command(
    group: Annotated[str, typer.Option(help="tasking group: east, west or all")] = "all",
    from_: Annotated[str | None, typer.Option("--from", help="first day (ISO date, UK time); default 90 days before --to")] = None,
    to: Annotated[str | None, typer.Option("--to", help="day after the last (exclusive); default tomorrow")] = None,
    agency: Annotated[str | None, typer.Option(help="police or fire (default both)")] = None,
    category: Annotated[list[str] | None, typer.Option(help="incident category (repeat for several)")] = None,
    out: Annotated[Path | None, typer.Option(help="write the standalone HTML map here (opens offline)")] = None,
    png: Annotated[Path | None, typer.Option(help="write a PNG snapshot here (headless Chromium)")] = None,
    viewer: Annotated[bool, typer.Option("--viewer", help="viewer-role map: small counts suppressed, no incident points")] = False,
) -> None:
    """Write a tasking map for a meeting pack: standalone HTML (--out) and/or PNG (--png)."""
    from app.errors import ApiError
    from app.params import filters_from
    from app.routes.maps import (
        DEFAULT_DAYS,
        check_group,
        screenshot_html,
        tasking_map_html,
    )
    from app.security import Principal
    from geo.errors import GeoError

    if out is None and png is None:
        fail("give --out FILE.html and/or --png FILE.png", 2)
    try:
        g = check_group(group)
    except ApiError as exc:
        fail(exc.detail, 2)
    settings = _settings()
    svc = _service(settings)
    who = Principal(name="cli", role="viewer" if viewer else "analyst")
    try:
        f = filters_from(svc, from_=from_, to=to, agency=agency, category=category, default_days=DEFAULT_DAYS)
        page = tasking_map_html(svc, who, g, f, standalone=True)
        if out is not None:
            out.write_text(page, encoding="utf-8")
            typer.echo(f"wrote {out} ({len(page.encode()) / 1e6:.1f} MB, standalone HTML)")
        if png is not None:
            png.write_bytes(screenshot_html(settings, page))
            typer.echo(f"wrote {png} (PNG snapshot)")
    except ApiError as exc:
        fail(exc.detail, 2 if exc.status in (404, 422) else 1)
    except GeoError as exc:
        fail(str(exc), 2)


def main() -> None:
    """Entry point of the console script."""
    try:
        cli()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
