"""Incident points: one clustered layer per agency, markers made in the browser."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import folium.plugins
import numpy as np
import pandas as pd
from folium.template import Template

from geo.errors import ParameterError
from geo.ingest import to_wgs84
from geo.maps.style import AGENCY_COLOURS, LAYER_NAMES

__all__ = ["IncidentCluster", "incident_layers"]


class IncidentCluster(folium.plugins.MarkerCluster):  # type: ignore[misc]
    """Clustered incident points of one agency, rendered in the browser.

    Like :class:`folium.plugins.FastMarkerCluster` (markers made in JavaScript from a
    data array, never one folium element per point) but with compact column arrays,
    ``addLayers`` with chunked loading (so 50,000 points stay responsive), an agency's
    own marker shape and cluster icon, and a popup built on click.

    Parameters
    ----------
    data
        ``{"lat": [...], "lon": [...], "c": [...], "d": [...], "id": [...]}``: position,
        index into ``categories``, index into ``days``, source id.
    categories, days
        Look-up lists for the popup.
    agency
        ``"police"`` or ``"fire"`` (marker shape, colour and popup label).
    name, show
        Layer control name and initial visibility.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.data|tojson }};
            var cats = {{ this.categories|tojson }}, days = {{ this.days|tojson }};
            var label = {{ this.label|tojson }};
            var icon = L.divIcon({className: 'tm-pt tm-pt-{{ this.agency }}', iconSize: [10, 10]});
            var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
            cluster.options.iconCreateFunction = function (c) {
                var n = c.getChildCount();
                var s = n < 10 ? 26 : n < 100 ? 32 : n < 1000 ? 38 : 46;
                return L.divIcon({html: '<div>' + n + '</div>',
                                  className: 'tm-cl tm-cl-{{ this.agency }}',
                                  iconSize: L.point(s, s)});
            };
            var markers = new Array(d.lat.length);
            for (var i = 0; i < d.lat.length; i++) {
                var m = L.marker([d.lat[i], d.lon[i]], {icon: icon, keyboard: false});
                m._tm = i;
                markers[i] = m;
            }
            cluster.on('click', function (e) {
                var i = e.layer._tm;
                if (i === undefined || e.layer.getPopup()) { return; }
                e.layer.bindPopup('<div class="tm-pop-h">' + label + ' · '
                    + cats[d.c[i]].replace(/_/g, ' ') + '</div>' + days[d.d[i]]
                    + '<br><span class="tm-id">' + d.id[i] + '</span>').openPopup();
            });
            cluster.addLayers(markers);
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: Mapping[str, list[Any]],
        *,
        categories: Sequence[str],
        days: Sequence[str],
        agency: str,
        name: str,
        show: bool = True,
    ) -> None:
        super().__init__(
            name=name,
            show=show,
            chunkedLoading=True,
            showCoverageOnHover=False,
            maxClusterRadius=45,
            disableClusteringAtZoom=18,
        )
        if agency not in AGENCY_COLOURS:
            msg = f"`agency` must be police or fire, got {agency!r}"
            raise ParameterError(msg, param="agency")
        self._name = "IncidentCluster"
        self.data = {k: list(v) for k, v in data.items()}
        self.categories = [html.escape(c) for c in categories]
        self.days = list(days)
        self.data["id"] = [html.escape(str(s)) for s in self.data.get("id", [])]
        self.agency = agency
        self.label = "Police" if agency == "police" else "Fire"


def incident_layers(
    inc: pd.DataFrame, *, show: Mapping[str, bool]
) -> list[IncidentCluster]:
    """The police and fire incident cluster layers of ``inc``."""
    need = ("source_id", "agency", "category", "occurred_at", "easting", "northing")
    missing = [c for c in need if c not in inc.columns]
    if missing:
        msg = f"`incidents` lacks the column(s) {', '.join(missing)}"
        raise ParameterError(msg, param="incidents")
    out = []
    lon, lat = to_wgs84(inc["easting"].to_numpy(), inc["northing"].to_numpy())
    cats = sorted(inc["category"].astype(str).unique())
    cat_code = pd.Categorical(inc["category"].astype(str), categories=cats).codes
    local = pd.to_datetime(inc["occurred_at"], utc=True).dt.tz_convert("Europe/London")
    day = local.dt.strftime("%Y-%m-%d") if len(inc) else pd.Series([], dtype=str)
    days = sorted(day.unique())
    day_code = pd.Categorical(day, categories=days).codes
    agency = inc["agency"].to_numpy()
    for ag in ("police", "fire"):
        sel = agency == ag
        data = {
            "lat": np.round(lat[sel], 5).tolist(),
            "lon": np.round(lon[sel], 5).tolist(),
            "c": cat_code[sel].tolist(),
            "d": day_code[sel].tolist(),
            "id": inc["source_id"].to_numpy()[sel].astype(str).tolist(),
        }
        n = int(sel.sum())
        out.append(
            IncidentCluster(
                data,
                categories=cats,
                days=days,
                agency=ag,
                name=f"{LAYER_NAMES[ag]} ({n:,})",
                show=show[ag],
            )
        )
    return out
