"""Shared query-parameter parsing and validation (errors name the parameter)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from fastapi import Depends, Path, Query

from app.errors import ApiError
from app.security import Principal
from app.service import Filters, Service
from geo.ingest import AGENCIES, KNOWN_CATEGORIES, to_snake
from geo.periods import TZ, Window, make_window

GROUPS = ("east", "west", "all")


def default_end() -> pd.Timestamp:
    """Start of tomorrow, Europe/London, as UTC."""
    today = pd.Timestamp.now(tz=TZ).normalize()
    return (today + pd.Timedelta(days=1)).tz_convert("UTC")


def window_from(from_: str | None, to: str | None, *, default_days: int = 365) -> Window:
    """The [from, to) window, defaulting to the last ``default_days`` days."""
    return make_window(from_, to, default_end=default_end(), default_days=default_days)


def group_wards(svc: Service, group: str | None) -> list[str] | None:
    """Ward codes for a tasking group (None for all)."""
    if group is None:
        return None
    g = group.strip().lower()
    if g not in GROUPS:
        raise ApiError(422, f"`group` must be one of {', '.join(GROUPS)}, got {group!r}", param="group")
    return None if g == "all" else svc.boundaries.group_wards(g)


def filters_from(
    svc: Service,
    *,
    from_: str | None = None,
    to: str | None = None,
    agency: str | None = None,
    category: list[str] | None = None,
    ward: list[str] | None = None,
    datazone: list[str] | None = None,
    group: str | None = None,
    require_window: bool = True,
    default_days: int = 365,
) -> Filters:
    """Validate the common filters and build :class:`Filters`."""
    window = window_from(from_, to, default_days=default_days) if (require_window or from_ or to) else None
    if agency is not None and agency not in AGENCIES:
        raise ApiError(422, f"`agency` must be one of {', '.join(AGENCIES)}, got {agency!r}", param="agency")
    cats: list[str] = []
    for raw in category or []:
        for part in raw.split(","):
            if part.strip():
                cats.append(to_snake(part))
    if cats:
        known = set(KNOWN_CATEGORIES) | set(svc.categories())
        unknown = [c for c in cats if c not in known]
        if unknown:
            raise ApiError(422, f"unknown `category` {', '.join(unknown)}", param="category")
    wards = None
    if ward:
        codes = set(svc.boundaries.wards["code"])
        bad = [w for w in ward if w not in codes]
        if bad:
            raise ApiError(422, f"unknown `ward` {', '.join(bad)} (expected {svc.boundaries.pack.reporting_units.code_prefix} codes of {svc.boundaries.pack.label})", param="ward")
        wards = list(ward)
    gw = group_wards(svc, group)
    if gw is not None:
        wards = gw if wards is None else [w for w in wards if w in gw]
    dzs = None
    if datazone:
        codes = set(svc.boundaries.datazones["code"])
        bad = [d for d in datazone if d not in codes]
        if bad:
            raise ApiError(422, f"unknown `datazone` {', '.join(bad)}", param="datazone")
        dzs = list(datazone)
    return Filters(window=window, agency=agency, categories=cats, wards=wards, datazones=dzs)


@dataclass(frozen=True)
class FilterQuery:
    """The common analysis filters as sent (one dependency for every analysis route).

    Resolve them with :meth:`resolve`, which validates each and names the bad parameter.
    """

    from_: str | None = None
    to: str | None = None
    agency: str | None = None
    category: list[str] | None = None
    group: str | None = None
    ward: list[str] | None = None
    datazone: list[str] | None = None

    def resolve(self, svc: Service, *, who: Principal | None = None, require_window: bool = True,
                default_days: int = 365) -> Filters:
        """Validated :class:`Filters` (422 naming the parameter on bad input).

        With ``who``, a restricted audience's window is widened to whole calendar months
        (:func:`app.disclosure.window`).
        """
        f = filters_from(
            svc, from_=self.from_, to=self.to, agency=self.agency, category=self.category,
            ward=self.ward, datazone=self.datazone, group=self.group,
            require_window=require_window, default_days=default_days,
        )
        if who is not None and f.window is not None:
            from app import disclosure

            f.window = disclosure.window(who, f.window)
        return f


def filter_query(
    from_: Annotated[str | None, Query(alias="from", description="Start of the window (ISO date or datetime, Europe/London), inclusive. Default: `to` minus the route's default length (365 days unless stated).")] = None,
    to: Annotated[str | None, Query(description="End of the window (ISO date or datetime, Europe/London), exclusive. Default: start of tomorrow.")] = None,
    agency: Annotated[str | None, Query(description="Only this agency's incidents: `police`, `fire` or `road` (collisions).")] = None,
    category: Annotated[list[str] | None, Query(description="Only these categories (snake_case; repeat the parameter or separate with commas).")] = None,
    group: Annotated[str | None, Query(description="Tasking group: `east`, `west` or `all` (its wards).")] = None,
    ward: Annotated[list[str] | None, Query(description="Only these wards (codes; repeatable).")] = None,
    datazone: Annotated[list[str] | None, Query(description="Only these small areas (data zone codes; repeatable).")] = None,
) -> FilterQuery:
    """FastAPI dependency: the common analysis filters of the query string."""
    return FilterQuery(from_=from_, to=to, agency=agency, category=category, group=group, ward=ward, datazone=datazone)


FilterDep = Annotated[FilterQuery, Depends(filter_query)]


def place_filter_query(
    from_: Annotated[str | None, Query(alias="from", description="Start of the window (ISO date or datetime, Europe/London), inclusive.")] = None,
    to: Annotated[str | None, Query(description="End of the window (ISO date or datetime, Europe/London), exclusive.")] = None,
    agency: Annotated[str | None, Query(description="Only this agency's incidents: `police`, `fire` or `road` (collisions).")] = None,
    category: Annotated[list[str] | None, Query(description="Only these categories (snake_case; repeatable).")] = None,
) -> FilterQuery:
    """The common filters for routes whose path already names the place (e.g. a group's map)."""
    return FilterQuery(from_=from_, to=to, agency=agency, category=category)


PlaceFilterDep = Annotated[FilterQuery, Depends(place_filter_query)]


# A row id in a path (meetings, actions, packs, keys): 1 … 2**31 - 1, the range of the id
# columns (INTEGER, 32-bit on PostgreSQL), so a larger id (64 bits and beyond) is a 422
# naming the parameter, never a database overflow (a 500).
MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="row id (1 to 2147483647)")]
