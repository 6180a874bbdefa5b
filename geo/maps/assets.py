"""The map's JavaScript and CSS links: list them, point them elsewhere, drop unused ones.

folium's elements link their JavaScript and CSS from public CDNs
(``folium.Map.default_js`` / ``default_css`` and each plugin's). :func:`set_asset_urls`
rewrites those links, by folium's own asset names, to other URLs (for example the
service's own copies) and drops the ones not needed (:data:`UNUSED_ASSETS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import branca.element as be
import folium

from geo.errors import ParameterError
from geo.maps.style import UNUSED_ASSETS

__all__ = ["asset_names", "elements", "set_asset_urls"]


def elements(root: be.Element) -> Iterable[be.Element]:
    """Every element of the tree under ``root``, depth first, ``root`` first."""
    yield root
    for child in list(root._children.values()):
        yield from elements(child)


def asset_names(m: folium.Map) -> dict[str, str]:
    """folium's asset name -> default URL for every JS/CSS link the map's elements add."""
    names: dict[str, str] = {}
    for el in elements(m):
        for n, url in [*getattr(el, "default_js", []), *getattr(el, "default_css", [])]:
            names.setdefault(n, url)
    return names


def set_asset_urls(
    m: folium.Map,
    urls: Mapping[str, str] | None,
    *,
    drop: Iterable[str] = UNUSED_ASSETS,
    strict: bool = True,
) -> folium.Map:
    """Point the map's JS/CSS links at ``urls`` (folium asset name -> URL), in place.

    Parameters
    ----------
    m
        The map (call after every element was added).
    urls
        Replacement URL for each folium asset name; ``None`` keeps folium's CDN links.
    drop
        Asset names to leave out of the page.
    strict
        Raise :class:`~geo.errors.ParameterError` if the map uses an asset that
        ``urls`` does not name (so that no CDN link slips through), else keep its URL.

    Returns
    -------
    folium.Map
        ``m``.
    """
    dropped = set(drop)
    for el in elements(m):
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if not links:
                continue
            new = []
            for n, url in links:
                if n in dropped:
                    continue
                if urls is not None:
                    if n not in urls and strict:
                        msg = f"no local URL for the folium asset {n!r} ({url})"
                        raise ParameterError(msg, param="urls")
                    url = urls.get(n, url)
                new.append((n, url))
            setattr(
                el, attr, new
            )  # instance attribute: the class keeps folium's defaults
    return m
