"""Fixtures shared by the Lincolnshire area-pack tests (the real data.police.uk month)."""

from __future__ import annotations

import pytest

from geo.boundaries import Boundaries, load_boundaries

LINCS_CSV = "incidents/lincolnshire/2024-03-lincolnshire-street.csv"  # under ../shared/data (shared_data)


@pytest.fixture(scope="module")
def lincs() -> Boundaries:
    """The ``lincolnshire`` area pack's boundaries (shipped as package data)."""
    return load_boundaries(area="lincolnshire")
