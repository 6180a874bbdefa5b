"""data.police.uk street files and archives (geo/policeuk.py) on the real Lincolnshire month."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest

from geo.errors import ParameterError
from geo.ingest import validate
from geo.join import AreaIndex
from geo.policeuk import (
    accepted_codes,
    parse_street_files,
    street_files,
    use_file_small_areas,
)
from tests.conftest import shared_data

LINCS = "incidents/lincolnshire/2024-03-lincolnshire-street.csv"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context\n")  # fmt: skip


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def archive(tmp_path):
    """The archive layout: YYYY-MM/YYYY-MM-<force>-street.csv plus files to ignore."""
    real = shared_data(LINCS).read_bytes()
    root = tmp_path / "archive"
    (root / "2024-03").mkdir(parents=True)
    (root / "2024-02").mkdir()
    (root / "2024-03" / "2024-03-lincolnshire-street.csv").write_bytes(real)
    (root / "2024-03" / "2024-03-lincolnshire-outcomes.csv").write_text("Crime ID,Month\nx,2024-03\n")
    (root / "2024-02" / "2024-02-city-of-london-street.csv").write_text(
        HEADER + ",2024-02,City of London Police,City of London Police,-0.09,51.51,On or near X,E01000001,"
        "City of London 001A,Anti-social behaviour,,\n"
    )
    z = tmp_path / "archive.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(root.rglob("*.csv")):
            zf.write(f, f.relative_to(root).as_posix())
    return root, z, real


def test_archive_folder_and_zip_give_the_same_street_files(archive) -> None:
    root, z, real = archive
    for src in (root, z):
        files = street_files(src)
        assert [(f.month, f.force) for f in files] == [("2024-02", "city-of-london"), ("2024-03", "lincolnshire")]
        only = street_files(src, forces=["lincolnshire"])
        assert len(only) == 1 and only[0].data == real
        assert [f.force for f in street_files(src, months=("2024-02", "2024-02"))] == ["city-of-london"]
    with pytest.raises(ParameterError, match="no data.police.uk street-level file"):
        street_files(root, forces=["kent"])
    bad = root / "broken.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ParameterError, match="not a readable zip"):
        street_files(bad)


def test_parse_numbers_rows_through_the_batch_and_marks_month_precision(archive) -> None:
    root, _, real = archive
    raw, codes = parse_street_files(street_files(root))
    rows = _rows(real)
    assert len(raw) == 1 + len(rows) == 5672 and raw["row"].tolist() == list(range(1, 5673))
    assert set(raw["date_precision"]) == {"month"}
    assert raw["occurred_at"].iloc[0] == "2024-02-01T00:00:00" and raw["occurred_at"].iloc[1] == "2024-03-01T00:00:00"
    want = [r["LSOA code"].strip() or None for r in rows]
    assert codes.iloc[0] == "E01000001" and codes.iloc[1:].tolist() == want


def test_real_lincolnshire_month_lies_outside_west_lothian(boundaries) -> None:
    path = shared_data(LINCS)
    raw, codes = parse_street_files(street_files(path))
    res = validate(raw, AreaIndex(boundaries))
    assert res.received == 5671 and len(res.accepted) == 0 and len(res.errors) == 5671
    assert all("outside the West Lothian council area" in e["message"] for e in res.errors)
    _, agreement = use_file_small_areas(res.accepted, accepted_codes(raw, codes, res.errors), boundaries.datazones)
    assert agreement.accepted == 0 and agreement.with_area_code == 0 and agreement.share_agree is None
    # the file's own small areas are English LSOAs, none of the area's data zones
    assert codes.notna().sum() == sum(1 for r in _rows(path.read_bytes()) if r["LSOA code"].strip())
    assert not codes.isin(boundaries.datazones["code"]).any()


def test_file_small_area_is_used_and_agreement_counted(boundaries) -> None:
    dz = boundaries.datazones.sort_values("code").reset_index(drop=True)
    pts = dz.geometry.representative_point()
    from geo.ingest import to_wgs84

    lon, lat = to_wgs84(pts.x.to_numpy(), pts.y.to_numpy())
    # planted: 6 rows carry their own data zone (agree), 3 a different area data zone
    # (disagree), 2 an English code, 2 no code
    plan = [dz["code"][i] for i in range(6)] + [dz["code"][i + 1] for i in range(6, 9)]
    plan += ["E01026007", "E01028039", "", ""]
    lines = [HEADER.strip()]
    for i, code in enumerate(plan):
        lines.append(f"id{i},2024-03,P,P,{lon[i]:.6f},{lat[i]:.6f},On or near X,{code},,Drugs,,")
    data = ("\n".join(lines) + "\n").encode()
    from geo.policeuk import StreetFile

    raw, codes = parse_street_files([StreetFile("2024-03", "x", "x.csv", data)])
    res = validate(raw, AreaIndex(boundaries))
    assert len(res.accepted) == len(plan) and not res.errors
    assert res.accepted["datazone"].tolist()[:13] == dz["code"][:13].tolist()  # point-in-polygon
    acc, a = use_file_small_areas(res.accepted, accepted_codes(raw, codes, res.errors), dz)
    assert (a.accepted, a.with_area_code, a.agree, a.disagree) == (13, 9, 6, 3)
    assert a.share_agree == pytest.approx(6 / 9)
    assert acc["datazone"].tolist() == plan[:9] + dz["code"][9:13].tolist()
    simd = dz.set_index("code")["simd_rank"]
    assert acc["simd_rank"].astype(int).tolist() == [int(simd[c]) for c in acc["datazone"]]
    assert acc["ward"].tolist() == res.accepted["ward"].tolist()  # the ward stays point-in-polygon


def test_accepted_codes_skip_rejected_rows() -> None:
    raw = pd.DataFrame({"row": [1, 2, 3, 4]})
    codes = pd.Series(["a", "b", None, "d"], dtype=object)
    assert accepted_codes(raw, codes, [{"row": 2}, {"row": 4}]).tolist() == ["a", None]
