"""Finishing demo records: times to the second, source wordings, ids in time order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.demo.categories import BY_NAME
from geo.demo.clock import Clock

__all__ = ["PREFIX", "finish"]

IntArray = npt.NDArray[np.int64]
#: Source-id prefix of each agency (``DEMO-P-000001`` ...).
PREFIX = {"police": "DEMO-P-", "fire": "DEMO-F-", "road": "DEMO-RTC-"}


def _stamp(
    records: pd.DataFrame, clock: Clock, rng: np.random.Generator
) -> tuple[IntArray, npt.NDArray[np.datetime64], npt.NDArray[np.object_]]:
    """UTC seconds, local wall-clock times and source wordings of ``records``."""
    hour = records["hour"].to_numpy(dtype=np.int64)
    utc_s = clock.utc_s[hour] + rng.integers(0, 3600, size=len(records))
    local = (utc_s + clock.offset_s[hour]).astype("datetime64[s]")
    # raw wordings: one draw per record, mapped through each category's weights
    u = rng.random(len(records))
    raw = np.empty(len(records), dtype=object)
    cat = records["category"].to_numpy()
    for name, c in BY_NAME.items():
        sel = cat == name
        if not sel.any():
            continue
        words = np.array([w for w, _ in c.raw], dtype=object)
        cum = np.cumsum([p for _, p in c.raw])
        raw[sel] = words[
            np.minimum(np.searchsorted(cum / cum[-1], u[sel]), len(words) - 1)
        ]
    return utc_s, local, raw


def finish(
    parts: Sequence[tuple[pd.DataFrame, np.random.Generator]], clock: Clock
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Native records (sorted by time, numbered per agency) and their ground truth.

    Each record gets a second within its grid hour and a source wording drawn from its
    category's ``raw`` weights, from its part's own generator (so that adding a part
    leaves the others' draws as they were), and a source id of its agency's
    :data:`PREFIX` numbered in time order.
    """
    stamps = [_stamp(rec, clock, rng) for rec, rng in parts]
    records = pd.concat([rec for rec, _ in parts], ignore_index=True)
    utc_s = np.concatenate([s[0] for s in stamps])
    local = np.concatenate([s[1] for s in stamps])
    raw = np.concatenate([s[2] for s in stamps])
    cat = records["category"].to_numpy()
    agency = records["agency"].to_numpy()
    order = np.lexsort(
        (records["northing"].to_numpy(), records["easting"].to_numpy(), agency, utc_s)
    )
    agency = agency[order]
    seq = np.empty(len(order), dtype=np.int64)
    prefix = np.empty(len(order), dtype=object)
    for a, pre in PREFIX.items():
        sel = agency == a
        seq[sel] = np.arange(1, int(sel.sum()) + 1)
        prefix[sel] = pre
    source_id = np.char.add(prefix.astype(str), np.char.zfill(seq.astype(str), 6))
    incidents = pd.DataFrame(
        {
            "source_id": source_id.astype(object),
            "agency": agency,
            "category": cat[order],
            "raw_category": raw[order],
            "occurred_at": np.datetime_as_string(local[order], unit="s").astype(object),
            "easting": records["easting"].to_numpy(dtype=np.float64)[order],
            "northing": records["northing"].to_numpy(dtype=np.float64)[order],
            "synthetic": np.ones(len(order), dtype=bool),
        }
    )
    truth = pd.DataFrame(
        {
            "source_id": incidents["source_id"].to_numpy(),
            "datazone": records["datazone"].to_numpy()[order],
            "place": records["place"].to_numpy()[order],
        }
    )
    return incidents, truth
