"""Automatic data feeds: what the watched folder and the scheduled pulls took in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.deps import AnalystDep, ServiceDep
from app.feeds import list_feeds, rejected_warning

router = APIRouter(prefix="/feeds", tags=["feeds"])


@router.get("")
def get_feeds(svc: ServiceDep, who: AnalystDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Every file (``hotspots watch``) and pull with its outcome and batch counts, newest first."""
    return {"rows": list_feeds(svc, limit=limit), "warning": rejected_warning(svc)}
