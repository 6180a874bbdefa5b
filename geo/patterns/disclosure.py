"""Small-count suppression for the pattern outputs (the house rule of :mod:`geo.stats`).

Primary: a count of 1–4 becomes ``"<5"``. Secondary: in a set of cells whose total is
shown, a lone withheld cell could be recovered by subtraction, so the smallest other
non-zero cell is withheld too (``"c"``).
"""

from __future__ import annotations

from collections.abc import Sequence

PRIMARY = "<5"
SECONDARY = "c"
THRESHOLD = 5

Cell = int | str


def is_small(v: object) -> bool:
    """A count that must not be shown to a viewer (1–4)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and 1 <= v < THRESHOLD


def suppress_set(values: Sequence[int]) -> list[Cell]:
    """Primary and secondary suppression of one additive set of counts (total shown)."""
    out: list[Cell] = [PRIMARY if is_small(v) else int(v) for v in values]
    hidden = sum(1 for v in out if isinstance(v, str))
    if hidden == 1:
        visible = [(v, k) for k, v in enumerate(out) if isinstance(v, int) and v > 0]
        if visible:
            out[min(visible)[1]] = SECONDARY
    return out


def withheld(v: object) -> bool:
    """True for a suppressed cell."""
    return v in (PRIMARY, SECONDARY)
