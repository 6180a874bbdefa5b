"""The planted places located on the real boundaries (definitions: :mod:`.scenario`).

Each :class:`~geo.demo.scenario.PlaceSpec` gets a centre and the data zones its points
may fall in from a locator that reads the data-zone names, the wards and one reference
point; :class:`Place` then draws its SYNTHETIC points (Gaussian around the centre,
truncated at ``radius_m``, clipped to the data zones and the ward).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.demo.scenario import (
    ARMADALE_WARD,
    BATHGATE_WARD,
    FAULDHOUSE_WARD,
    LIVINGSTON_CENTRE_NGR,
    LIVINGSTON_NORTH_WARD,
    LIVINGSTON_SOUTH_WARD,
    PLACES,
    PlaceSpec,
)
from geo.demo.space import MAX_ROUNDS, pole
from geo.errors import BoundaryError

__all__ = ["Place", "planted_places"]

FloatArray = npt.NDArray[np.float64]
WardGeoms = dict[str, shapely.Geometry]
#: centre, indices of the data zones the points may fall in
Location = tuple[tuple[float, float], npt.NDArray[np.intp]]


@dataclass(frozen=True)
class Place:
    """A planted cluster: where it is and which polygons clip it."""

    id: str
    name: str
    kind: str
    centre: tuple[float, float]
    sigma_m: float
    radius_m: float
    ward: str
    datazones: tuple[str, ...]  # the data zones points may fall in
    zone_geoms: tuple[shapely.Geometry, ...]
    ward_geom: shapely.Geometry
    agencies: tuple[str, ...]
    categories: tuple[str, ...]

    def sample_points(
        self, rng: np.random.Generator, n: int
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.object_]]:
        """``n`` whole-metre points: Gaussian around the centre, truncated, clipped."""
        xs: list[FloatArray] = []
        ys: list[FloatArray] = []
        zs: list[npt.NDArray[np.object_]] = []
        need = n
        codes = np.asarray(self.datazones, dtype=object)
        for _ in range(MAX_ROUNDS):
            if need <= 0:
                break
            m = max(16, 3 * need)
            cx = np.round(self.centre[0] + self.sigma_m * rng.standard_normal(m))
            cy = np.round(self.centre[1] + self.sigma_m * rng.standard_normal(m))
            inside = np.hypot(cx - self.centre[0], cy - self.centre[1]) <= self.radius_m
            inside &= shapely.contains_xy(self.ward_geom, cx, cy)
            hits = np.stack([shapely.contains_xy(g, cx, cy) for g in self.zone_geoms])
            inside &= hits.sum(axis=0) == 1
            keep = np.flatnonzero(inside)[:need]
            xs.append(cx[keep])
            ys.append(cy[keep])
            zs.append(codes[hits[:, keep].argmax(axis=0)])
            need -= keep.size
        if need > 0:
            msg = f"could not place the planted cluster {self.id!r}"
            raise BoundaryError(msg, param="datazones")
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(zs)

    def describe(
        self, truth: pd.DataFrame, incidents: pd.DataFrame, period: dict[str, str]
    ) -> dict[str, Any]:
        """The place as a JSON-ready dict, with the counts found in ``truth``."""
        mine = truth["place"].to_numpy() == self.id
        agency = incidents["agency"].to_numpy()[mine]
        zones = sorted(set(truth["datazone"].to_numpy()[mine]))
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "centre_easting": float(self.centre[0]),
            "centre_northing": float(self.centre[1]),
            "radius_m": float(self.radius_m),
            "sigma_m": float(self.sigma_m),
            "datazones": [str(z) for z in zones],
            "ward": self.ward,
            "agencies": list(self.agencies),
            "categories": list(self.categories),
            "period": dict(period),
            "n": int(mine.sum()),
            "n_police": int((agency == "police").sum()),
            "n_fire": int((agency == "fire").sum()),
        }


def _boghall(zones: pd.DataFrame, ward_geoms: WardGeoms) -> Location:
    """Every data zone whose name contains "Boghall"; centre: pole of their union."""
    geoms = zones["geometry"].to_numpy()
    bog = np.flatnonzero(zones["name"].str.contains("Boghall", case=False).to_numpy())
    if bog.size == 0:
        msg = "`datazones` has no data zone whose name contains 'Boghall'"
        raise BoundaryError(msg, param="datazones")
    bathgate = ward_geoms[BATHGATE_WARD]
    bog_area = shapely.intersection(shapely.union_all(geoms[bog]), bathgate)
    return pole(bog_area), bog


def _livingston_centre(zones: pd.DataFrame, ward_geoms: WardGeoms) -> Location:
    """The data zone holding the Canmore reference point; centre: the most interior
    point within 400 m of it."""
    geoms = zones["geometry"].to_numpy()
    livs = ward_geoms[LIVINGSTON_SOUTH_WARD]
    ngr = shapely.Point(*LIVINGSTON_CENTRE_NGR)
    holder = np.flatnonzero(shapely.contains(geoms, ngr))
    if holder.size != 1:
        msg = "`datazones` has no data zone holding the Livingston town centre"
        raise BoundaryError(msg, param="datazones")
    z = int(holder[0])
    area = shapely.intersection(shapely.intersection(geoms[z], livs), ngr.buffer(400.0))
    return pole(area), holder


def _breich_valley(zones: pd.DataFrame, ward_geoms: WardGeoms) -> Location:
    """The data zone with the largest area in the Fauldhouse and the Breich Valley
    ward; centre: the pole of its part in the ward."""
    geoms = zones["geometry"].to_numpy()
    fauld = ward_geoms[FAULDHOUSE_WARD]
    in_ward = shapely.area(shapely.intersection(geoms, fauld))
    g = int(np.argmax(in_ward))
    return pole(shapely.intersection(geoms[g], fauld)), np.array([g], dtype=np.intp)


def _most_populous(ward: str) -> Callable[[pd.DataFrame, WardGeoms], Location]:
    """Locator: the most populous data zone mostly in ``ward``; centre: the pole of
    its part in the ward."""

    def locate(zones: pd.DataFrame, ward_geoms: WardGeoms) -> Location:
        geoms = zones["geometry"].to_numpy()
        w = ward_geoms[ward]
        share = shapely.area(shapely.intersection(geoms, w)) / shapely.area(geoms)
        pop = np.where(share > 0.5, zones["population"].to_numpy(), -1.0)
        g = int(np.argmax(pop))
        if pop[g] < 0:
            msg = f"`datazones` has no data zone in the ward {ward}"
            raise BoundaryError(msg, param="datazones")
        return pole(shapely.intersection(geoms[g], w)), np.array([g], dtype=np.intp)

    return locate


LOCATORS: dict[str, Callable[[pd.DataFrame, WardGeoms], Location]] = {
    "boghall": _boghall,
    "livingston_centre": _livingston_centre,
    "breich_valley_grass": _breich_valley,
    "livingston_north_new": _most_populous(LIVINGSTON_NORTH_WARD),
    "armadale_intensifying": _most_populous(ARMADALE_WARD),
}


def _place(spec: PlaceSpec, zones: pd.DataFrame, ward_geoms: WardGeoms) -> Place:
    centre, idx = LOCATORS[spec.id](zones, ward_geoms)
    geoms = zones["geometry"].to_numpy()
    return Place(
        id=spec.id,
        name=spec.name,
        kind=spec.kind,
        centre=centre,
        sigma_m=spec.sigma_m,
        radius_m=spec.radius_m,
        ward=spec.ward,
        datazones=tuple(str(c) for c in zones["code"].to_numpy()[idx]),
        zone_geoms=tuple(geoms[idx]),
        ward_geom=ward_geoms[spec.ward],
        agencies=spec.agencies,
        categories=spec.categories,
    )


def planted_places(
    zones: pd.DataFrame,
    ward_geoms: WardGeoms,
    specs: tuple[PlaceSpec, ...] = PLACES,
) -> dict[str, Place]:
    """Locate every planted place of the scenario, by id (in the order of ``specs``).

    Parameters
    ----------
    zones
        Validated data zones (``code, name, population, simd_rank, geometry``).
    ward_geoms
        Ward code -> polygon.
    specs
        The places to locate.

    Returns
    -------
    dict of str to Place

    Raises
    ------
    BoundaryError
        If a place's data zones cannot be found.
    """
    return {s.id: _place(s, zones, ward_geoms) for s in specs}
