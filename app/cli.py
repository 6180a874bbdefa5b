"""The ``hotspots`` command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.areas_cli import areas_cli
from app.config import Settings, settings_problem

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="West Lothian joint tasking hotspots service.")
boundaries_cli = typer.Typer(no_args_is_help=True, help="Boundary files: fetch or check.")
keys_cli = typer.Typer(no_args_is_help=True, help="API keys.")
db_cli = typer.Typer(no_args_is_help=True, help="The database schema.")
cli.add_typer(boundaries_cli, name="boundaries")
cli.add_typer(keys_cli, name="keys")
pull_cli = typer.Typer(no_args_is_help=True, help="Pull open data from its publisher's API.")
cli.add_typer(pull_cli, name="pull")
cli.add_typer(db_cli, name="db")
cli.add_typer(areas_cli, name="areas")


def fail(msg: str, code: int = 1) -> None:
    """Print a one-line error and exit non-zero."""
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: one line, no traceback
        fail(f"bad configuration: {settings_problem(exc)}")
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


def _serve(settings: Settings, host: str, port: int, *, banner: list[str] | None = None, workers: int = 1,
           migrate: bool = False, svc=None) -> None:  # type: ignore[no-untyped-def]
    from app.serving import ServeError, prepare, run
    from geo.errors import BoundaryError

    if svc is None:
        try:
            svc = prepare(settings, host=host, workers=workers, migrate=migrate)
        except (ServeError, BoundaryError) as exc:
            fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if settings.auth == "off":
        typer.echo("WARNING: HOTSPOTS_AUTH=off — no authentication; every caller is admin. Local demo only.", err=True)
    for line in banner or []:
        typer.echo(line)
    run(settings, svc, host=host, port=port, workers=workers)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (more than 1 needs PostgreSQL)")] = 1,
    migrate: Annotated[bool, typer.Option("--migrate/--no-migrate", help="bring the schema up to date first (under a PostgreSQL advisory lock, so replicas may start together); --no-migrate refuses a database whose schema is behind")] = True,
) -> None:
    """Run the HTTP service (migrating the schema first unless --no-migrate; workers never migrate)."""
    _serve(_settings(), host, port, workers=workers, migrate=migrate)


@cli.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="load the demo data, then exit")] = False,
) -> None:
    """Load the SYNTHETIC demo dataset into the embedded database (if empty) and serve."""
    from app.demo import load_demo
    from app.serving import bind_error

    settings = _settings()
    if not no_serve and (msg := bind_error(settings, host)):
        fail(msg)
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
    _serve(settings, host, port, banner=banner, svc=svc)


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
    if not (file.is_file() or (format == "police-uk" and file.is_dir())):
        fail(f"{file}: no such file", 2)
    settings = _settings()
    if file.is_file() and file.stat().st_size > settings.max_upload_bytes and file.suffix.lower() != ".zip":
        fail(f"{file} is larger than HOTSPOTS_MAX_UPLOAD_BYTES ({settings.max_upload_bytes})")
    svc = _service(settings)
    if format == "police-uk":  # a CSV, or a monthly archive (zip or folder); the file's LSOA codes
        from app.pull import ingest_police_uk_path

        try:
            loaded = ingest_police_uk_path(svc, file, actor=_cli_actor())
        except GeoError as exc:
            fail(str(exc))
        report = loaded.report
        a = loaded.agreement
        typer.echo(f"{len(loaded.files)} street-level file(s); small area from the file's LSOA code for {a.with_area_code} "
                   f"of {a.accepted} accepted records, point-in-polygon agrees for {a.agree}")
    else:
        try:
            raw = parse(file.read_bytes(), format, agency=agency, filename=file.name, datazone_points=svc.datazone_points)
        except GeoError as exc:
            fail(str(exc))
        from app.routes.incidents import ingest as store_batch

        report = store_batch(svc, _cli_actor(), raw, fmt=format, filename=file.name, agency=agency)
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


@cli.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="folder to watch: files dropped here are ingested")],
    interval: Annotated[float, typer.Option(help="seconds between passes")] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="one pass over the folder, then exit")] = False,
    pull_from: Annotated[str | None, typer.Option("--pull-police-uk-from", help="also pull police.uk months from YYYY-MM on a schedule")] = None,
    pull_every: Annotated[float, typer.Option(help="seconds between scheduled pulls")] = 86400.0,
) -> None:
    """Ingest every file dropped into FOLDER (format from a sidecar or the header), moving
    each to done/ or failed/ with its batch report beside it; optionally pull police.uk
    months on a schedule (each run resumes where the last stopped)."""
    import time

    from app.feeds import Watcher, last_complete_month, scan_once, scheduled_pull

    if not folder.is_dir():
        fail(f"{folder}: no such folder", 2)
    svc = _service(_settings())
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    watcher = Watcher(folder)
    next_pull = 0.0
    while True:
        if pull_from and time.monotonic() >= next_pull:
            from geo.errors import GeoError

            try:
                for r in scheduled_pull(svc, pull_from, last_complete_month()):
                    typer.echo(f"{r['name']}: {r['status']}" + (f" ({r['message']})" if r.get("message") else f", accepted {r['accepted']}"))
            except GeoError as exc:
                fail(str(exc), 2)
            next_pull = time.monotonic() + pull_every
        for r in scan_once(svc, watcher, settle=not once):
            typer.echo(f"{r['file']}: {r['status']}" + (f" ({r['message']})" if r.get("message") else
                       f", accepted {r.get('accepted')}, duplicates {r.get('duplicates')}, rejected {r.get('rejected')}"))
        if once:
            return
        time.sleep(interval)


@pull_cli.command("police-uk")
def pull_police_uk_command(
    from_: Annotated[str, typer.Option("--from", help="first month, YYYY-MM")],
    to: Annotated[str, typer.Option("--to", help="last month, YYYY-MM (inclusive)")],
) -> None:
    """Pull street-level crimes inside the area from the data.police.uk API (HOTSPOTS_POLICE_UK_URL), month by month; resumes."""
    from app.pull import pull_police_uk
    from geo.errors import GeoError
    from geo.policeuk_api import months_between

    try:
        months_between(from_, to)
    except GeoError as exc:
        fail(str(exc), 2)
    svc = _service(_settings())

    def show(m) -> None:  # type: ignore[no-untyped-def]
        if m.status == "skipped":
            typer.echo(f"{m.month}: already stored, skipped")
        else:
            typer.echo(f"{m.month}: received {m.received}, accepted {m.accepted}, duplicates {m.duplicates}, "
                       f"outside the area {m.outside}, rejected {m.rejected}")

    try:
        report = pull_police_uk(svc, from_, to, progress=show, actor=_cli_actor())
    except GeoError as exc:
        fail(str(exc), 2)
    if report.error:
        fail(report.error)


@boundaries_cli.command("check")
def boundaries_check() -> None:
    """Load and validate the boundary files; report what is loaded."""
    from geo.boundaries import load_boundaries
    from geo.errors import BoundaryError

    settings = _settings()
    folder = settings.effective_boundaries_dir
    try:
        b = load_boundaries(folder, area=settings.area)
    except BoundaryError as exc:
        fail(str(exc))
    origin = {"override": "HOTSPOTS_BOUNDARIES_DIR", "fetched": "fetched by `hotspots boundaries fetch`",
              "packaged": "shipped with the package"}[settings.boundaries_origin]
    typer.echo(f"boundaries in {folder} ({origin}; version {b.version})")
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
    target = settings.boundaries_dir or settings.boundaries_cache_dir
    url = base_url or settings.boundaries_base_url
    if not url:
        fail(
            "no download location: set HOTSPOTS_BOUNDARIES_BASE_URL (or --base-url) to a mirror of the "
            "files in geo/data/boundaries_manifest.json, or set HOTSPOTS_BOUNDARIES_DIR to a folder holding them "
            "(nothing is needed to run: the package ships the boundary files)"
        )
    try:
        paths = fetch_boundaries(target, base_url=url)
    except BoundaryError as exc:
        fail(str(exc))
    for p in paths:
        typer.echo(f"ok  {p}")
    typer.echo(f"{len(paths)} files verified in {target}")
    if settings.boundaries_dir is None:
        typer.echo("the service now reads these instead of the copy shipped with the package (delete the folder to go back)")


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


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to this version (safe to run from several places at once)."""
    from app.db import make_engine, upgrade
    from app.migrate import state

    engine = make_engine(_settings().effective_database_url)
    before = state(engine)
    upgrade(engine)
    after = state(engine)
    engine.dispose()
    was = "empty" if before.current is None else before.current
    typer.echo(f"database schema at {after.current}" + ("" if before.up_to_date else f" (was {was})"))


@db_cli.command("status")
def db_status() -> None:
    """Say whether the database schema is current; exits 1 when it is not."""
    from app.db import make_engine
    from app.migrate import state

    engine = make_engine(_settings().effective_database_url)
    st = state(engine)
    engine.dispose()
    typer.echo(st.describe())
    if not st.up_to_date:
        raise typer.Exit(1)


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
    if _settings().auth == "off":
        fail("no key can be created while HOTSPOTS_AUTH=off (a key made now would stay valid once auth is on)", 2)
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
    from app.mapping import (
        DEFAULT_DAYS,
        check_group,
        print_page,
        screenshot_html,
        tasking_map_html,
    )
    from app.params import filters_from
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
            png.write_bytes(screenshot_html(settings, print_page(page)))  # no buttons on a picture
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
