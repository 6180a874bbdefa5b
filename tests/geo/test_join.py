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


# --- Lincolnshire: a 5,900 km² area, a coarser raster, the same exactness -------------


@pytest.fixture(scope="module")
def lincs():
    from geo.boundaries import load_boundaries

    return load_boundaries(area="lincolnshire")


@pytest.fixture(scope="module")
def lincs_index(lincs) -> AreaIndex:
    return AreaIndex(lincs)


def test_raster_cell_grows_with_the_area(index, lincs_index) -> None:
    from geo.join import raster_cell

    assert index.cell_m == 10.0  # West Lothian: unchanged 10 m (7.2 M cells)
    assert index._rdz.nx * index._rdz.ny <= 12_000_000
    # Lincolnshire's box needs more than 12 M cells at 10 m: the cell grows to whole metres
    r = lincs_index._rdz
    assert lincs_index.cell_m == 27.0
    assert r.nx * r.ny <= 12_000_000
    assert r.labels.nbytes <= 12_000_000 * 4 + 4 * (r.nx + r.ny + 1)
    # the smallest whole metre that fits: one metre less would not
    b = lincs_index.boundaries.area.bounds
    area = (b[2] - b[0]) * (b[3] - b[1])
    assert area / 26.0**2 > 12_000_000 >= area / 27.0**2
    assert raster_cell(b, 10.0, 12_000_000) == 27.0


def test_lincolnshire_raster_join_equals_exact_sjoin(lincs, lincs_index) -> None:
    """Random points, polygon vertices, cell-edge points and the real police.uk points."""
    import pandas as pd

    from geo.ingest.coords import to_bng
    from tests.conftest import shared_data

    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = lincs.area.bounds
    x, y = rng.uniform(x0, x1, 40_000), rng.uniform(y0, y1, 40_000)
    verts = shapely.get_coordinates(lincs.datazones.geometry.values)[::20]
    cell = lincs_index.cell_m
    gx, gy = lincs_index._rdz.x0, lincs_index._rdz.y0
    edge_x = gx + np.round((x[:500] - gx) / cell) * cell
    edge_y = gy + np.round((y[:500] - gy) / cell) * cell
    raw = pd.read_csv(shared_data("incidents/lincolnshire/2024-03-lincolnshire-street.csv"))
    px, py = to_bng(raw["Longitude"].to_numpy(), raw["Latitude"].to_numpy())
    x = np.r_[x, verts[:, 0], edge_x, px]
    y = np.r_[y, verts[:, 1], edge_y, py]
    dz, wd, inside = lincs_index.assign(x, y)
    exact_dz = _sjoin(x, y, lincs.datazones)
    exact_wd = _sjoin(x, y, lincs.wards)
    in_dz = np.array([v is not None and v == v for v in exact_dz])
    assert in_dz.sum() > 30_000
    assert (dz[in_dz] == exact_dz[in_dz]).all()
    in_wd = in_dz & np.array([v is not None and v == v for v in exact_wd])
    assert (wd[in_wd] == exact_wd[in_wd]).all()
    assert inside[in_dz].all()
    far = shapely.distance(lincs.area, shapely.points(x, y)) > 60
    assert not inside[far].any()
