"""Reading files into raw frames: the CSV reader every format uses, and the frame builder."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.ingest.schema import RAW_COLUMNS

MAX_COLUMNS = 1_000


def frame_from_records(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Raw frame (columns :data:`RAW_COLUMNS`, ``row`` numbered from 1) from dicts."""
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    df = df.reindex(range(len(records)))  # records that are all {} give no rows otherwise
    for col in RAW_COLUMNS:
        if col not in df.columns:
            df[col] = None
    df["row"] = np.arange(1, len(df) + 1)
    return df[RAW_COLUMNS].copy()


def read_csv_text(data: bytes) -> pd.DataFrame:
    """All-string table from UTF-8 CSV bytes (a BOM is accepted; empty cells are NaN).

    Raises
    ------
    ParameterError
        If the bytes are not UTF-8 or not a CSV pandas can read.
    """
    try:
        text = data.decode("utf-8-sig")
        if text.split("\n", 1)[0].count(",") >= MAX_COLUMNS:  # pandas is quadratic in repeated names
            msg = f"the CSV header has more than {MAX_COLUMNS} columns"
            raise ParameterError(msg, param="file")
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"file is not a readable UTF-8 CSV ({type(exc).__name__}: {str(exc)[:120]})"
        raise ParameterError(msg, param="file") from exc

