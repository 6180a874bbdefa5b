"""What to plant and what was planted: cluster specs and the ground-truth record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import shapely

from geo.errors import ParameterError

__all__ = [
    "DEFAULT_CLUSTERS",
    "FIRE_CATEGORIES",
    "POLICE_CATEGORIES",
    "ClusterSpec",
    "Kind",
    "PlantedCluster",
    "as_spec",
]

Kind = Literal["overlap", "police", "fire"]
POLICE_CATEGORIES = ("antisocial_behaviour", "vandalism", "assault", "theft", "drugs")
FIRE_CATEGORIES = (
    "deliberate_secondary_fire",
    "deliberate_fire",
    "accidental_dwelling_fire",
)
_DEFAULT_SHARE = {"overlap": 0.5, "police": 1.0, "fire": 0.0}


@dataclass(frozen=True)
class ClusterSpec:
    """What to plant.

    Attributes
    ----------
    kind
        ``"overlap"`` (both agencies), ``"police"`` or ``"fire"`` (one agency only).
    n
        Number of incidents in the cluster.
    radius_m
        Radius of the disc the incidents are drawn in.
    police_share
        Share of police incidents; defaults to 0.5 (overlap), 1 (police), 0 (fire).
    second_half_share
        Share of the cluster's incidents in the second half of the period (0.5 = flat;
        larger = rising trend).
    """

    kind: Kind
    n: int = 80
    radius_m: float = 150.0
    police_share: float | None = None
    second_half_share: float = 0.5


DEFAULT_CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec("overlap"),
    ClusterSpec("overlap", n=60, radius_m=120.0, police_share=0.4),
    ClusterSpec("police"),
    ClusterSpec("fire", n=50, radius_m=120.0),
)


@dataclass(frozen=True)
class PlantedCluster:
    """A planted cluster (the ground truth).

    Attributes
    ----------
    name
        ``"P1"``, ``"P2"``, … in the order of the specs.
    kind, radius_m
        From the spec.
    easting, northing
        The centre (a data zone's representative point), EPSG:27700.
    datazone
        Code of the data zone whose representative point is the centre.
    n, n_police, n_fire
        Exact counts.
    source_ids
        ``source_id`` of every incident of the cluster.
    """

    name: str
    kind: Kind
    easting: float
    northing: float
    radius_m: float
    datazone: str
    n: int
    n_police: int
    n_fire: int
    source_ids: tuple[str, ...]

    @property
    def centre(self) -> shapely.Point:
        """The centre as a shapely point (EPSG:27700)."""
        return shapely.Point(self.easting, self.northing)


def as_spec(spec: ClusterSpec | Mapping[str, Any]) -> ClusterSpec:
    """A checked :class:`ClusterSpec` (from a spec or a dict), share filled in."""
    s = spec if isinstance(spec, ClusterSpec) else ClusterSpec(**dict(spec))
    if s.kind not in _DEFAULT_SHARE:
        msg = f"cluster `kind` was {s.kind!r} but is expected to be in {list(_DEFAULT_SHARE)}"
        raise ParameterError(msg, param="clusters")
    if s.n < 1 or s.radius_m <= 0:
        msg = (
            f"cluster needs n >= 1 and radius_m > 0, got n={s.n}, radius_m={s.radius_m}"
        )
        raise ParameterError(msg, param="clusters")
    share = _DEFAULT_SHARE[s.kind] if s.police_share is None else s.police_share
    if not 0.0 <= share <= 1.0 or not 0.0 <= s.second_half_share <= 1.0:
        msg = "cluster `police_share` and `second_half_share` must be in [0, 1]"
        raise ParameterError(msg, param="clusters")
    if (s.kind == "police" and share != 1.0) or (s.kind == "fire" and share != 0.0):
        msg = f"a {s.kind!r} cluster must be single-agency (police_share={share})"
        raise ParameterError(msg, param="clusters")
    return ClusterSpec(s.kind, s.n, float(s.radius_m), share, s.second_half_share)
