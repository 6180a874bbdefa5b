"""PNG chart of a concentration result: the curve and the rate by SIMD decile."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from geo.deprivation._common import _num
from geo.deprivation.results import ConcentrationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["concentration_chart_png"]


def concentration_chart_png(
    result: ConcentrationResult,
    *,
    title: str | None = None,
    dpi: int = 100,
) -> bytes:
    """PNG chart: the concentration curve and the rate per 1,000 by SIMD decile.

    Parameters
    ----------
    result
        From :func:`concentration`.
    title
        Figure title; default states the share in the N% most deprived zones.
    dpi
        Resolution, default 100 (the figure is 11 x 4.5 inches).

    Returns
    -------
    bytes
        A PNG image. Drawn with matplotlib's Agg canvas (no GUI backend, no pyplot
        global state), so it is safe in a server thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.5), dpi=dpi)
    FigureCanvasAgg(fig)
    ax_curve, ax_bar = fig.subplots(1, 2)
    fig.suptitle(_title(result) if title is None else title)
    _draw_curve(ax_curve, result)
    _draw_rates(ax_bar, result)
    fig.tight_layout()

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _title(result: ConcentrationResult) -> str:
    """Default title: the share in the N% most deprived zones and the ratio."""
    pct = _num(result.most_deprived_pct)
    if result.share_incidents is None or result.share_population is None:
        return f"Incidents by deprivation ({result.index_name}): {result.incidents_total} incidents"
    title = (
        f"{result.share_incidents:.0%} of {result.incidents_total:,} incidents in "
        f"the {pct}% most deprived data zones ({result.share_population:.0%} "
        "of population)"
    )
    if result.concentration_ratio is not None:
        title += f": concentration ratio {result.concentration_ratio:.2f}"
    return title


def _draw_curve(ax: Axes, result: ConcentrationResult) -> None:
    """The concentration curve against the line of equal rates."""
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="equal rates")
    if result.curve:
        xs = [p for _, p, _ in result.curve]
        ys = [s for _, _, s in result.curve]
        label = "incidents"
        if result.concentration_index is not None:
            label = f"incidents (C = {result.concentration_index:.3f})"
        ax.plot(xs, ys, color="#b2182b", linewidth=2, label=label)
    else:
        ax.text(0.5, 0.5, "no incidents", ha="center", va="center")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("cumulative population share (most deprived first)")
    ax.set_ylabel("cumulative incident share")
    ax.set_title(f"Concentration curve ({result.index_short} rank)")
    ax.legend(loc="lower right")


def _draw_rates(ax: Axes, result: ConcentrationResult) -> None:
    """Bars of the rate per 1,000 by SIMD decile, with the overall rate."""
    deciles = [g.group for g in result.by_decile]
    rates = [
        g.rate_per_1000 if g.rate_per_1000 is not None else 0.0
        for g in result.by_decile
    ]
    ax.bar(deciles, rates, color="#2166ac")
    for g in result.by_decile:  # deciles with no data zone in the area
        if g.rate_per_1000 is None:
            ax.text(g.group, 0, "n/a", ha="center", va="bottom", fontsize=8)
    if result.overall_rate_per_1000 is not None:
        ax.axhline(
            result.overall_rate_per_1000,
            color="0.3",
            linestyle=":",
            label=f"overall {result.overall_rate_per_1000:.1f}",
        )
        ax.legend(loc="upper right")
    top = max([*rates, result.overall_rate_per_1000 or 0.0])
    ax.set_ylim(0, top * 1.2 if top > 0 else 1.0)  # headroom for the legend
    ax.set_xticks(deciles)
    ax.set_xlabel(f"{result.index_name} decile (1 = most deprived)")
    ax.set_ylabel("incidents per 1,000 population")
    ax.set_title("Rate by decile")
