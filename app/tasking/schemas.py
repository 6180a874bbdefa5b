"""Request bodies of the tasking API (also built by the meeting pages' forms)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

STATUSES = ("open", "in_progress", "done", "dropped")
OPEN = ("open", "in_progress")
Status = Literal["open", "in_progress", "done", "dropped"]


class MeetingIn(BaseModel):
    """A tasking meeting; the analysed period defaults to the group's ``period_months``
    whole calendar months before the meeting's month."""

    group: str = Field(
        description="east, west, tactical or strategic (see GET /tasking/groups)"
    )
    date: dt.date
    period_from: str | None = Field(
        default=None, description="ISO date/datetime, Europe/London"
    )
    period_to: str | None = Field(default=None, description="exclusive")
    title: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=20_000)


class Owner(BaseModel):
    """Who carries out an action: a person and a member organisation of the group."""

    name: str = Field(min_length=1, max_length=100)
    organisation: str = Field(min_length=1, max_length=100)


class ActionArea(BaseModel):
    """Exactly one of a hotspot id (as served by /hotspots), a ward code or data-zone codes."""

    hotspot_id: str | None = Field(default=None, max_length=40)
    ward: str | None = Field(default=None, max_length=9)
    datazones: list[str] | None = Field(default=None, max_length=239)


class ActionIn(BaseModel):
    """An action set at a meeting (due date default: the next meeting by the group's cadence)."""

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    area: ActionArea
    categories: list[str] | None = None
    owner: Owner
    due_date: dt.date | None = None
    status: Status = "open"


class ActionPatch(BaseModel):
    """Changes to an action; each change is recorded as an update (``note`` optional)."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    owner: Owner | None = None
    due_date: dt.date | None = None
    status: Status | None = None
    note: str | None = Field(default=None, max_length=5000)


class UpdateIn(BaseModel):
    """A progress report on an action, optionally changing its status."""

    note: str = Field(min_length=1, max_length=5000)
    status: Status | None = None
