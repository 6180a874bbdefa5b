"""The legend box: a key for each kind of layer the map holds."""

from __future__ import annotations

from geo.maps.helpers import esc
from geo.maps.style import AGENCY_COLOURS, GISTAR_BINS, OVERLAP_COLOUR, SIMD_COLOURS

__all__ = ["legend_html"]


def legend_html(
    *, layers: set[str], heat_note: str | None, index: str = "SIMD 2020v2", small_areas: str = "data zones",
    gistar_method: str | None = None, gistar_none: bool = False,
) -> str:
    """The legend's HTML: a key for each kind of layer in ``layers``.

    ``gistar_method`` describes how the Gi* bins were made; ``gistar_none`` says in
    words that no small area is significant after FDR (an empty layer is an answer).
    """

    def key(swatch_style: str, text: str) -> str:
        return f"<div class='tm-key'><span class='tm-sw' style='{swatch_style}'></span>{esc(text)}</div>"

    parts = [
        "<h4>Hotspots (number = rank; id in popup)</h4>",
        key(
            f"background:{OVERLAP_COLOUR}55;border:3px solid {OVERLAP_COLOUR}",
            "Overlap: police + fire",
        ),
        key(
            f"background:{AGENCY_COLOURS['police']}30;border:2px dashed {AGENCY_COLOURS['police']}",
            "Police only",
        ),
        key(
            f"background:{AGENCY_COLOURS['fire']}30;border:2px dashed {AGENCY_COLOURS['fire']}",
            "Fire only",
        ),
    ]
    if "gistar" in layers:
        parts.append(f"<h4>Gi* {esc(small_areas)} (FDR-corrected)</h4>")
        if gistar_method:
            parts.append(f"<div class='tm-gistar-method'>{esc(gistar_method)}</div>")
        if gistar_none:
            singular = small_areas[:-1] if small_areas.endswith("s") else small_areas
            parts.append(f"<div class='tm-gistar-none'><b>No {esc(singular)} significant after FDR</b></div>")
        parts += [
            key(f"background:{c}", lab)
            for _, (c, lab) in sorted(GISTAR_BINS.items(), reverse=True)
        ]
    if "police" in layers or "fire" in layers:
        parts.append("<h4>Incidents (clustered)</h4>")
        parts.append(
            "<div class='tm-key'><span class='tm-sw' style='border:none'><span class='tm-pt tm-pt-police' "
            "style='display:inline-block;width:10px;height:10px'></span></span>Police</div>"
        )
        parts.append(
            "<div class='tm-key'><span class='tm-sw' style='border:none'><span class='tm-pt tm-pt-fire' "
            "style='display:inline-block;width:9px;height:9px'></span></span>Fire</div>"
        )
    if "heat" in layers and heat_note:
        parts.append(f"<h4>Heat</h4><div>{esc(heat_note)}</div>")
    if "simd" in layers:
        ramp = "".join(f"<span style='background:{c}'></span>" for c in SIMD_COLOURS)
        parts.append(
            f"<h4>{esc(index)} decile (layer off at start)</h4>"
            f"<div class='tm-ramp'>{ramp}</div>"
            "<div class='tm-ramp-lab'><span>1 most deprived</span><span>10 least</span></div>"
        )
    return "".join(parts)
