"""The hotspot id is "H-" + the first 12 hex digits of the SHA-1 of the parameters key and
the sorted ``agency:source_id`` member keys, each after a newline (geo.hotspots.ranking),
checked against hashlib on the bytes written out by hand, and on a frame's members."""

from __future__ import annotations

import hashlib

import numpy as np

from geo.hotspots.ranking import hotspot_id


def _by_hand(params_key: str, keys: list[str]) -> str:
    data = params_key.encode() + b"".join(b"\n" + k.encode() for k in sorted(keys))
    return "H-" + hashlib.sha1(data, usedforsecurity=False).hexdigest()[:12]


def test_id_is_sha1_of_documented_bytes() -> None:
    rng = np.random.default_rng(4)
    for n in (0, 1, 2, 37, 4000):
        keys = [f"{('police', 'fire')[int(a)]}:S{int(s)}é" for a, s in zip(rng.integers(0, 2, n), rng.integers(0, 10**6, n), strict=True)]
        assert hotspot_id("dbscan|eps=150", keys) == _by_hand("dbscan|eps=150", keys)
    assert hotspot_id("k", ["police:2", "fire:1"]) == hotspot_id("k", ["fire:1", "police:2"])  # member order is irrelevant
    assert hotspot_id("k", []) == "H-" + hashlib.sha1(b"k", usedforsecurity=False).hexdigest()[:12]
    assert hotspot_id("k", ["a"]) != hotspot_id("k", ["a", "b"]) != hotspot_id("j", ["a", "b"])
