"""``hotspots areas list|check``: the area packs shipped and whether one loads."""

from __future__ import annotations

from typing import Annotated

import typer

areas_cli = typer.Typer(no_args_is_help=True, help="Area packs (HOTSPOTS_AREA): list or check.")


def _fail(msg: str, code: int = 1) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _selected() -> str:
    from app.config import Settings, settings_problem

    try:
        return Settings().area
    except Exception as exc:  # pydantic ValidationError: one line
        _fail(f"bad configuration: {settings_problem(exc)}")
        raise  # pragma: no cover


@areas_cli.command("list")
def areas_list() -> None:
    """List the area packs; ``*`` marks the one HOTSPOTS_AREA selects."""
    from geo.areas import area_names, load_pack

    chosen = _selected()
    for name in area_names():
        s = load_pack(name).summary()
        mark = "*" if name == chosen else " "
        typer.echo(f"{mark} {name:<14} {s['label']}: {s['small_areas']}, {s['reporting_units']}; {s['deprivation']}")


def check_lines(name: str, selected: str) -> list[str]:
    """Load pack ``name`` and describe it.

    The files are the pack's shipped ones, or for the ``selected`` pack (HOTSPOTS_AREA)
    wherever the settings point (HOTSPOTS_BOUNDARIES_DIR, a fetched copy).

    Raises
    ------
    geo.errors.BoundaryError
        If the pack or its files do not load, or a code breaks the pack's pattern.
    """
    from app.config import Settings
    from geo.areas import load_pack
    from geo.boundaries import load_boundaries
    from geo.errors import BoundaryError

    pack = load_pack(name)
    folder = Settings().effective_boundaries_dir if pack.name == selected else None
    b = load_boundaries(folder, area=pack)
    sa, ru = pack.small_areas, pack.reporting_units
    bad = [c for c in b.datazones["code"] if not pack.small_area_code_ok(c)]
    bad += [c for c in b.wards["code"] if not pack.unit_code_ok(c)]
    if bad:
        msg = f"codes not of the pack's form: {bad[:5]}"
        raise BoundaryError(msg)
    dz = b.datazones
    lines = [
        f"{pack.name} ({pack.label}): files in {b.source_dir} (version {b.version})",
        f"  {sa.plural}: {len(dz)}, population {int(dz['population'].sum()):,} ({sa.population_source}); "
        f"{pack.deprivation.index} ranks {int(dz['simd_rank'].min())}..{int(dz['simd_rank'].max())} "
        f"of {pack.deprivation.national_count:,}",
        f"  {ru.plural}: {len(b.wards)}, area {b.area.area / 1e6:,.3f} km²",
    ]
    lines += [
        f"    {r.code} {r.name:<34} {r.tasking_group:<4} population {int(r.population):,}"
        for r in b.wards.itertuples()
    ]
    return lines


@areas_cli.command("check")
def areas_check(
    name: Annotated[str | None, typer.Argument(help="the pack (default: HOTSPOTS_AREA)")] = None,
) -> None:
    """Load and validate an area pack; report what it holds."""
    from geo.errors import BoundaryError

    try:
        selected = _selected()
        lines = check_lines(name or selected, selected)
    except BoundaryError as exc:
        _fail(str(exc))
        return
    for line in lines:
        typer.echo(line)
