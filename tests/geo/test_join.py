import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.join import AreaIndex


@pytest.fixture(scope="module")
def index(boundaries) -> AreaIndex:
    return AreaIndex(boundaries)


def _sjoin(points_x, points_y, polys):
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(points_x, points_y), crs=27700)
    j = gpd.sjoin(pts, polys[["code", "geometry"]], how="left", predicate="intersects")
    # on a shared edge keep the code that sorts first (the documented rule)
    j = j.sort_values("code").groupby(level=0)["code"].first()
    return j.reindex(range(len(pts))).to_numpy()


def test_raster_join_equals_exact_sjoin(index, boundaries) -> None:
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = boundaries.area.bounds
    x, y = rng.uniform(x0, x1, 60_000), rng.uniform(y0, y1, 60_000)
    # add polygon vertices and cell-edge points: the hardest cases
    verts = shapely.get_coordinates(boundaries.datazones.geometry.values)[::25]
    x, y = (
        np.r_[x, verts[:, 0], np.round(x[:500] / 50) * 50],
        np.r_[y, verts[:, 1], np.round(y[:500] / 50) * 50],
    )
    dz, wd, inside = index.assign(x, y)
    exact_dz = _sjoin(x, y, boundaries.datazones)
    exact_wd = _sjoin(x, y, boundaries.wards)
    in_dz = np.array([v is not None and v == v for v in exact_dz])
    assert (dz[in_dz] == exact_dz[in_dz]).all()
    in_wd = in_dz & np.array([v is not None and v == v for v in exact_wd])
    assert (wd[in_wd] == exact_wd[in_wd]).all()
    # points exactly in a data zone are always inside; those far from the area never are
    assert inside[in_dz].all()
    far = shapely.distance(boundaries.area, shapely.points(x, y)) > 60
    assert not inside[far].any()


def test_shared_edge_point_goes_to_one_area_deterministically(
    index, boundaries
) -> None:
    a, b = boundaries.datazones.geometry.iloc[0], None
    for j in range(1, len(boundaries.datazones)):
        g = boundaries.datazones.geometry.iloc[j]
        if a.touches(g) and a.intersection(g).length > 0:
            b = g
            code_b = boundaries.datazones["code"].iloc[j]
            break
    assert b is not None
    edge = a.intersection(b)
    p = shapely.line_interpolate_point(
        shapely.line_merge(edge) if edge.geom_type != "LineString" else edge,
        0.5,
        normalized=True,
    )
    p = shapely.get_coordinates(p)[0]
    dz1, _, _ = index.assign([p[0]], [p[1]])
    dz2, _, _ = index.assign([p[0]], [p[1]])
    assert dz1[0] == dz2[0] == min(boundaries.datazones["code"].iloc[0], code_b)


def test_tolerance_snaps_near_points(index, boundaries) -> None:
    ext = shapely.get_coordinates(
        boundaries.area.exterior
        if boundaries.area.geom_type == "Polygon"
        else max(boundaries.area.geoms, key=lambda g: g.area).exterior
    )[0]
    c = shapely.get_coordinates(boundaries.area.centroid)[0]
    direction = (ext - c) / np.linalg.norm(ext - c)
    for d, expect in ((20, True), (200, False)):
        p = ext + direction * d
        if shapely.contains_xy(boundaries.area, p[0], p[1]):
            continue
        _, _, inside = index.assign([p[0]], [p[1]])
        assert bool(inside[0]) is expect
