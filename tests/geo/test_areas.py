"""Area packs: the two shipped packs load, with figures checked against the files themselves."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.areas import area_names, load_pack
from geo.boundaries import load_boundaries
from geo.deprivation import concentration, most_deprived_threshold
from geo.errors import BoundaryError

ROOT = Path(__file__).resolve().parents[2]
LINCS_DIR = ROOT / "data" / "areas" / "lincolnshire"


@pytest.fixture(scope="module")
def lincs():
    return load_boundaries(area="lincolnshire")


def test_two_packs_ship_with_their_files() -> None:
    assert area_names() == ["lincolnshire", "west-lothian"]
    wl, li = load_pack("west-lothian"), load_pack("lincolnshire")
    assert (wl.label, wl.deprivation.national_count, wl.small_areas.count, wl.reporting_units.count) == (
        "West Lothian", 6976, 239, 9)
    assert (li.label, li.deprivation.national_count, li.small_areas.count, li.reporting_units.count) == (
        "Lincolnshire", 33755, 435, 7)
    assert li.deprivation.index == "English IoD 2025" and wl.deprivation.index == "SIMD 2020v2"
    assert (li.small_areas.noun, li.reporting_units.noun) == ("LSOA", "district")
    assert li.files_dir() == LINCS_DIR and wl.files_dir() == ROOT / "data" / "boundaries"
    # the copies are the shared originals, byte for byte (PROVENANCE.md's checksums)
    import hashlib

    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in LINCS_DIR.glob("*.geojson")}
    assert digest["lincolnshire_lsoa2021_bgc_iod2025_pop.geojson"].startswith("12cf35c1e3b2c2b3")
    assert digest["lincolnshire_districts.geojson"].startswith("8220c4e832b7f377")
    prov = (LINCS_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "1 = most deprived of 33,755" in prov


def test_unknown_area_names_the_known_ones() -> None:
    with pytest.raises(BoundaryError, match="unknown area 'narnia': choose one of lincolnshire, west-lothian"):
        load_pack("narnia")
    with pytest.raises(BoundaryError, match="unknown area"):
        load_pack("../west-lothian")


def test_lincolnshire_loads_with_the_files_figures(lincs) -> None:
    raw = gpd.read_file(LINCS_DIR / "lincolnshire_lsoa2021_bgc_iod2025_pop.geojson")
    dz = lincs.datazones.set_index("code")
    src = raw.set_index("lsoa21_code").loc[dz.index]
    assert (dz["population"] == src["population_mid2024"].astype(int)).all()
    assert (dz["simd_rank"] == src["IoD2025_IMD_rank"].astype(int)).all()
    assert (dz["simd_decile"] == src["IoD2025_IMD_decile"].astype(int)).all()
    assert int(dz["population"].sum()) == 789_502  # PROVENANCE §1
    # decile counts 1..10 as PROVENANCE lists them
    assert dz["simd_decile"].value_counts().sort_index().tolist() == [39, 38, 55, 54, 53, 53, 39, 45, 37, 22]
    # derived fields: quintile pairs the deciles; vigintile from the national rank
    assert (dz["simd_quintile"] == np.ceil(dz["simd_decile"] / 2)).all()
    assert (dz["simd_vigintile"] == [math.ceil(r * 20 / 33755) for r in dz["simd_rank"]]).all()
    # districts: LSOAs nest, so apportionment gives the PROVENANCE table's populations
    pops = dict(zip(lincs.wards["name"], lincs.wards["population"], strict=True))
    assert pops == {"Boston": 71080, "East Lindsey": 145183, "Lincoln": 105114, "North Kesteven": 122468,
                    "South Holland": 99298, "South Kesteven": 147151, "West Lindsey": 99208}
    assert sorted(lincs.group_wards("east")) == ["E07000136", "E07000137", "E07000140"]
    assert len(lincs.group_wards("west")) == 4 and len(lincs.group_wards("all")) == 7
    assert lincs.area.area / 1e6 == pytest.approx(5920.602, abs=0.01)
    pack = lincs.pack
    assert all(pack.small_area_code_ok(c) for c in dz.index) and all(pack.unit_code_ok(c) for c in lincs.wards["code"])
    assert not pack.small_area_code_ok("S01012345")


def test_most_deprived_threshold_uses_the_national_count(lincs) -> None:
    # floor(N/100 * count), hand-worked: 10% of 33,755 = 3,375.5 -> 3,375; 15% of 6,976 = 1,046.4 -> 1,046
    assert most_deprived_threshold(10, 33755) == 3375 == lincs.pack.deprivation.most_deprived_rank(10)
    assert most_deprived_threshold(15) == 1046 == load_pack().deprivation.most_deprived_rank(15)
    dz = lincs.datazones
    rng = np.random.default_rng(3)
    inc = pd.DataFrame({"datazone": rng.choice(dz["code"].to_numpy(), 2000)})
    res = concentration(inc, dz, most_deprived_pct=10, n_boot=0, index=lincs.pack.deprivation)
    deprived = set(dz.loc[dz["simd_rank"] <= 3375, "code"])
    assert res.rank_threshold == 3375 and res.n_datazones_most_deprived == len(deprived) == 39
    assert res.incidents_in_most_deprived == int(inc["datazone"].isin(deprived).sum())
    assert "English IoD 2025 national rank <= floor(10/100 * 33755) = 3375" in res.to_dict()["definition"]


def test_boundaries_dir_override_still_serves_west_lothian(tmp_path) -> None:
    from app.config import Settings

    for f in (ROOT / "data" / "boundaries").iterdir():
        shutil.copy2(f, tmp_path / f.name)
    s = Settings(boundaries_dir=tmp_path, data_dir=tmp_path / "d")
    assert s.area == "west-lothian" and s.effective_boundaries_dir == tmp_path
    b = load_boundaries(s.effective_boundaries_dir, area=s.area)
    assert len(b.datazones) == 239 and b.source_dir == tmp_path and b.pack.name == "west-lothian"
    li = Settings(area="lincolnshire", data_dir=tmp_path / "d")
    assert li.boundaries_origin == "packaged" and li.effective_boundaries_dir == LINCS_DIR
    with pytest.raises(ValueError, match="HOTSPOTS_AREA must be one of lincolnshire, west-lothian"):
        Settings(area="narnia")


def test_bad_pack_files_fail_with_one_message(tmp_path) -> None:
    for f in LINCS_DIR.iterdir():
        shutil.copy2(f, tmp_path / f.name)
    doc = json.loads((LINCS_DIR / "lincolnshire_lsoa2021_bgc_iod2025_pop.geojson").read_text())
    doc["features"] = doc["features"][:-1]
    (tmp_path / "lincolnshire_lsoa2021_bgc_iod2025_pop.geojson").write_text(json.dumps(doc))
    with pytest.raises(BoundaryError, match="has 434 features, expected 435"):
        load_boundaries(tmp_path, area="lincolnshire")
    groups = tmp_path / "groups.csv"
    groups.write_text("district_code,district_name,tasking_group\nE07000136,Boston,NORTH\n")
    with pytest.raises(BoundaryError, match="tasking_group must be EAST or WEST"):
        load_boundaries(LINCS_DIR, area="lincolnshire", tasking_groups=groups)
