"""Download the boundary files into a cache folder, verified by SHA-256 (pooch)."""

from __future__ import annotations

import json
from pathlib import Path

import pooch

from geo.errors import BoundaryError

MANIFEST = Path(__file__).parent / "data" / "boundaries_manifest.json"


def read_manifest(path: Path = MANIFEST) -> list[dict[str, object]]:
    """The list of boundary files with their checksums."""
    files: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))[
        "files"
    ]
    return files


def fetch_boundaries(
    target: Path | str, *, base_url: str, manifest: Path = MANIFEST
) -> list[Path]:
    """Fetch every manifest file from ``base_url`` into ``target``.

    Files already present with the right checksum are not downloaded again. A wrong
    checksum or an unreachable server raises :class:`BoundaryError` with what to do.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    out = []
    for entry in read_manifest(manifest):
        name = str(entry["name"])
        try:
            path = pooch.retrieve(
                url=base + name,
                known_hash=f"sha256:{entry['sha256']}",
                fname=name,
                path=target,
                progressbar=False,
            )
        except ValueError as exc:  # pooch: hash mismatch
            msg = f"{name} from {base} failed its SHA-256 check ({exc}); the file was not kept"
            raise BoundaryError(msg) from exc
        except Exception as exc:  # network errors of several kinds
            msg = (
                f"could not download {name} from {base} ({type(exc).__name__}). Without internet, "
                "copy the files into a folder and set HOTSPOTS_BOUNDARIES_DIR to it"
            )
            raise BoundaryError(msg) from exc
        out.append(Path(path))
    return out
