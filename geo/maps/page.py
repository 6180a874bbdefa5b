"""The page around the map: title block, legend box, attribution, CSS, rendering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import branca.element as be
import folium
from folium.template import Template

from geo.maps.helpers import esc
from geo.maps.style import AGENCY_COLOURS, OVERLAP_COLOUR

__all__ = ["CSS", "MapChrome", "MapTitle", "render_html"]


@dataclass(frozen=True)
class MapTitle:
    """The title block of a map.

    Attributes
    ----------
    heading
        First line, e.g. ``"WEST tasking group"``.
    lines
        Further lines (period, filters, data sources, generated time...), plain text.
    synthetic
        Show the ``SYNTHETIC DEMO DATA`` banner.
    notices
        Highlighted plain-text notes (suppression, warnings).
    """

    heading: str
    lines: tuple[str, ...] = ()
    synthetic: bool = False
    notices: tuple[str, ...] = field(default=())

    def to_html(self) -> str:
        """The block's HTML (every text escaped)."""
        parts = [f"<div class='tm-heading'>{esc(self.heading)}</div>"]
        if self.synthetic:
            parts.append(
                "<div class='tm-synthetic'>SYNTHETIC DEMO DATA — not real police or fire records</div>"
            )
        parts += [f"<div class='tm-line'>{esc(line)}</div>" for line in self.lines]
        parts += [f"<div class='tm-notice'>{esc(n)}</div>" for n in self.notices]
        return "".join(parts)


CSS = """
<style>
.leaflet-container { font-family: "Helvetica Neue", Arial, Helvetica, sans-serif; }
.leaflet-container.tm-plain { background: #dde3e7; }
.leaflet-control-layers { font-size: 13px; line-height: 1.5; }
.leaflet-control-layers label { margin-bottom: 0; }
.tm-box { background: rgba(255,255,255,0.94); padding: 7px 10px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 12px; line-height: 1.35; color: #222; }
.tm-title { max-width: 420px; }
.tm-heading { font-size: 16px; font-weight: 700; margin-bottom: 2px; }
.tm-synthetic { background: #b30000; color: #fff; font-weight: 700; padding: 2px 6px;
  margin: 3px 0; border-radius: 3px; letter-spacing: .03em; }
.tm-notice { color: #7a4d00; font-style: italic; }
.tm-legend { max-width: 270px; }
.tm-legend h4 { font-size: 12px; font-weight: 700; margin: 5px 0 2px; }
.tm-legend h4:first-child { margin-top: 0; }
.tm-key { display: flex; align-items: center; margin: 1px 0; }
.tm-sw { display: inline-block; width: 18px; height: 12px; margin-right: 6px; flex: none;
  border: 1px solid rgba(0,0,0,.35); }
.tm-ramp { display: flex; margin: 2px 0 0; }
.tm-ramp span { flex: 1; height: 10px; }
.tm-ramp-lab { display: flex; justify-content: space-between; font-size: 10px; }
.tm-ward-label { font-weight: 700; font-size: 12px; color: #222; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; text-align: center;
  pointer-events: none; }
.tm-ward-label.tm-context { color: #777; font-weight: 400; }
.tm-rank { background: rgba(255,255,255,.92); border: 2px solid #333; border-radius: 10px;
  font-weight: 700; font-size: 11px; padding: 0 5px; box-shadow: none; }
.tm-rank-overlap { border-color: @OVERLAP@; color: @OVERLAP@; }
.tm-rank-police { border-color: @POLICE@; color: @POLICE@; }
.tm-rank-fire { border-color: @FIRE@; color: @FIRE@; }
.tm-rank:before { display: none; }
.tm-pt { box-sizing: border-box; border: 1.5px solid #fff; box-shadow: 0 0 1px #000; }
.tm-pt-police { background: @POLICE@; border-radius: 50%; }
.tm-pt-fire { background: @FIRE@; border-radius: 1px; }
.tm-cl div { width: 100%; height: 100%; display: flex; align-items: center;
  justify-content: center; color: #fff; font-weight: 700; font-size: 11px;
  border: 2px solid rgba(255,255,255,.9); box-sizing: border-box; }
.tm-cl-police div { background: rgba(31,78,156,.85); border-radius: 50%; }
.tm-cl-fire div { background: rgba(230,85,13,.88); border-radius: 5px; }
table.tm-pop { border-collapse: collapse; font-size: 12px; }
table.tm-pop th { text-align: left; padding: 1px 8px 1px 0; vertical-align: top;
  white-space: nowrap; color: #555; font-weight: 600; }
table.tm-pop td { padding: 1px 0; }
.tm-pop-h { font-weight: 700; font-size: 13px; margin-bottom: 3px; }
.tm-id { font-family: monospace; font-size: 12px; background: #f2f2f2; padding: 0 3px; }
</style>
"""
CSS = (
    CSS.replace("@OVERLAP@", OVERLAP_COLOUR)
    .replace("@POLICE@", AGENCY_COLOURS["police"])
    .replace("@FIRE@", AGENCY_COLOURS["fire"])
)


class MapChrome(be.MacroElement):  # type: ignore[misc]
    """Title block, zoom control, legend, attribution and page CSS."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <title>{{ this.page_title|e }}</title>
        {{ this.css }}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            function box(cls, inner, pos) {
                var c = L.control({position: pos});
                c.onAdd = function () {
                    var d = L.DomUtil.create('div', 'tm-box ' + cls);
                    d.innerHTML = inner;
                    L.DomEvent.disableClickPropagation(d);
                    L.DomEvent.disableScrollPropagation(d);
                    return d;
                };
                return c.addTo(map);
            }
            box('tm-title', {{ this.title_html|tojson }}, 'topleft');
            L.control.zoom({position: 'topleft'}).addTo(map);
            box('tm-legend', {{ this.legend_html|tojson }}, 'bottomright');
            {%- for a in this.attributions %}
            map.attributionControl.addAttribution({{ a|tojson }});
            {%- endfor %}
            {%- if this.plain %}
            L.DomUtil.addClass(map.getContainer(), 'tm-plain');
            {%- endif %}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        page_title: str,
        title_html: str,
        legend_html: str,
        attributions: Sequence[str],
        plain: bool,
    ) -> None:
        super().__init__()
        self._name = "MapChrome"
        self.page_title = page_title
        self.css = CSS
        self.title_html = title_html
        self.legend_html = legend_html
        self.attributions = list(attributions)
        self.plain = plain


def render_html(m: folium.Map) -> str:
    """The map as one HTML page (``<!DOCTYPE html>`` ...)."""
    return str(m.get_root().render())
