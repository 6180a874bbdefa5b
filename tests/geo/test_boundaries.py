from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.boundaries import BNG, load_boundaries, read_tasking_groups
from geo.errors import BoundaryError
from tests.conftest import BOUNDARIES, SHARED

EAST = {
    "Linlithgow",
    "Broxburn, Uphall and Winchburgh",
    "Livingston North",
    "Livingston South",
    "East Livingston and East Calder",
}
WEST = {
    "Armadale and Blackridge",
    "Whitburn and Blackburn",
    "Bathgate",
    "Fauldhouse and the Breich Valley",
}


def test_loads_real_geography(boundaries) -> None:
    dz, wards = boundaries.datazones, boundaries.wards
    assert len(dz) == 239 and len(wards) == 9
    assert dz.crs.to_epsg() == 27700 and wards.crs.to_epsg() == 27700
    assert (
        dz["code"].str.startswith("S01").all()
        and wards["code"].str.startswith("S13").all()
    )
    assert dz.geometry.is_valid.all()
    for col in (
        "simd_rank",
        "simd_decile",
        "simd_quintile",
        "simd_vigintile",
        "population",
    ):
        assert dz[col].notna().all()
    # SIMD bands follow the official rank rule ceil(rank * k / 6976)
    assert ((dz["simd_rank"] * 10 + 6975) // 6976 == dz["simd_decile"]).all()
    assert int(dz["population"].sum()) == 181_310
    assert abs(boundaries.area.area / 1e6 - 427.487) < 0.01


def test_tasking_groups_follow_design(boundaries) -> None:
    groups = dict(
        zip(boundaries.wards["name"], boundaries.wards["tasking_group"], strict=True)
    )
    assert {n for n, g in groups.items() if g == "EAST"} == EAST
    assert {n for n, g in groups.items() if g == "WEST"} == WEST
    assert sorted(boundaries.group_wards("all")) == sorted(boundaries.wards["code"])


def test_ward_population_is_areal_apportionment(boundaries) -> None:
    # independent: overlay data zones with wards, split each DZ population by area share
    dz = boundaries.datazones.to_crs(BNG)
    pieces = gpd.overlay(
        dz[["code", "population", "geometry"]],
        boundaries.wards[["code", "geometry"]].rename(columns={"code": "ward"}),
    )
    pieces["a"] = pieces.area
    pieces["share"] = pieces["a"] / pieces.groupby("code")["a"].transform("sum")
    expect = (pieces["share"] * pieces["population"]).groupby(pieces["ward"]).sum()
    got = boundaries.wards.set_index("code")["population"]
    assert int(got.sum()) == 181_310  # nobody lost or double counted
    assert (abs(got - expect.reindex(got.index)) <= 1).all()  # only rounding differs
    # and it stays close to the population-weighted (2011 output areas) derived lookup
    lk = pd.read_csv(
        SHARED / "data" / "lookups" / "west_lothian_dz2011_to_ward2017_derived.csv"
    )
    popw = lk.groupby("ward_code_popweighted")["Total_population"].sum()
    assert (abs(got - popw.reindex(got.index)) / popw.reindex(got.index) < 0.10).all()


def test_missing_file_names_it(tmp_path: Path) -> None:
    (tmp_path / "west_lothian_wards_2017.geojson").write_bytes(
        (BOUNDARIES / "west_lothian_wards_2017.geojson").read_bytes()
    )
    with pytest.raises(
        BoundaryError, match="west_lothian_datazones_2011.geojson not found"
    ):
        load_boundaries(tmp_path)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(BoundaryError, match="HOTSPOTS_BOUNDARIES_DIR"):
        load_boundaries(tmp_path / "nope")


def test_bad_file_names_it(tmp_path: Path) -> None:
    (tmp_path / "west_lothian_datazones_2011.geojson").write_text("{not json")
    (tmp_path / "west_lothian_wards_2017.geojson").write_bytes(
        (BOUNDARIES / "west_lothian_wards_2017.geojson").read_bytes()
    )
    with pytest.raises(
        BoundaryError, match="west_lothian_datazones_2011.geojson could not be read"
    ):
        load_boundaries(tmp_path)


def test_file_without_simd_fields(tmp_path: Path) -> None:
    dz = gpd.read_file(BOUNDARIES / "west_lothian_datazones_2011.geojson").drop(
        columns=["SIMD2020v2_Rank"]
    )
    dz.to_file(tmp_path / "west_lothian_datazones_2011.geojson", driver="GeoJSON")
    (tmp_path / "west_lothian_wards_2017.geojson").write_bytes(
        (BOUNDARIES / "west_lothian_wards_2017.geojson").read_bytes()
    )
    with pytest.raises(BoundaryError, match="lacks the fields SIMD2020v2_Rank"):
        load_boundaries(tmp_path)


def test_bad_tasking_group_file(tmp_path: Path) -> None:
    f = tmp_path / "groups.csv"
    f.write_text("ward_code,ward_name,tasking_group\nS13002820,Linlithgow,NORTH\n")
    with pytest.raises(BoundaryError, match="EAST or WEST"):
        read_tasking_groups(f)


def test_packaged_boundaries_are_the_shipped_copy_and_match_the_manifest(tmp_path, monkeypatch) -> None:
    import hashlib

    from geo.boundaries import SOURCE_BOUNDARIES, packaged_boundaries_dir
    from geo.fetch import read_manifest

    monkeypatch.chdir(tmp_path)  # independent of the working directory
    d = packaged_boundaries_dir()
    assert d.resolve() == SOURCE_BOUNDARIES.resolve()  # editable / source tree: data/boundaries
    for f in read_manifest():
        got = hashlib.sha256((d / str(f["name"])).read_bytes()).hexdigest()
        assert got == f["sha256"], f["name"]
    for doc in ("PROVENANCE.md", "README.md"):
        assert (d / doc).is_file()
    assert "Open Government Licence" in (d / "README.md").read_text(encoding="utf-8") + (d / "PROVENANCE.md").read_text(encoding="utf-8")
    b = load_boundaries(d)
    assert len(b.datazones) == 239 and int(b.datazones["population"].sum()) == 181_310


def test_wrong_override_folder_says_how_to_use_the_shipped_copy(tmp_path) -> None:
    with pytest.raises(BoundaryError, match="boundaries folder .* not found: point HOTSPOTS_BOUNDARIES_DIR .* unset it") as e:
        load_boundaries(tmp_path / "nope")
    assert str(SOURCE_DIR) in str(e.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BoundaryError, match="west_lothian_datazones_2011.geojson not found: set HOTSPOTS_BOUNDARIES_DIR"):
        load_boundaries(tmp_path / "empty")


SOURCE_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"
