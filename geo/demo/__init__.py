"""SYNTHETIC demo dataset: invented police and fire incidents for West Lothian.

**Every record made here is synthetic** (:data:`DEMO_LABEL`): source ids start with
``DEMO-``, every row carries ``synthetic=True``, and nothing is drawn from real police
or fire records. The dataset exists so that ``hotspots demo``, the notebooks and the
tests have realistic-looking data with a *known ground truth* to find.

What the generator models
-------------------------
*Volume.* ``n_police`` (default 25,000) police and ``n_fire`` (default 3,000) fire
incidents over the ``months`` (default 24) calendar months before ``end``. The totals
are exact except for the few background records the Boghall operation "prevented".

*Categories* (:mod:`geo.demo.categories`): nine police and six fire categories, each
with its share, deprivation gradient, hour-of-day, night-of-week and seasonal profile,
bonfire-night extra and source wordings.

*Where* (:mod:`geo.demo.background`, :mod:`geo.demo.space`): data zones weighted by
population and SIMD deprivation, with the gradient solved so that the 15% most
deprived data zones hold :data:`TARGET_CONCENTRATION` (2.5) times their population
share; points uniform in the data zone and inside a ward.

*When* (:mod:`geo.demo.clock`): an hourly intensity per category with a
bonfire-night spike; published as Europe/London wall-clock times that are never
ambiguous.

*Planted ground truth* (:mod:`geo.demo.scenario`, located by :mod:`geo.demo.places`,
drawn by :mod:`geo.demo.plant`): the Boghall overlap cluster with its two-month joint
operation, the Livingston town-centre antisocial-behaviour cluster and the Breich
Valley grass fires.

The generator itself is :mod:`geo.demo.generator`.

References
----------
Scottish Government (2020). *Scottish Index of Multiple Deprivation 2020v2*.
Scottish Fire and Rescue Service. *Incident statistics* (incident type definitions:
primary, secondary, deliberate, false alarm).
Historic Environment Scotland, Canmore site NT06NE 33 "Livingston, General".
"""

from __future__ import annotations

from geo.demo.categories import CATEGORIES
from geo.demo.generator import DemoData, generate_demo
from geo.demo.scenario import (
    DEFAULT_SEED,
    DEMO_LABEL,
    MOST_DEPRIVED_RANK,
    TARGET_CONCENTRATION,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_SEED",
    "DEMO_LABEL",
    "MOST_DEPRIVED_RANK",
    "TARGET_CONCENTRATION",
    "DemoData",
    "generate_demo",
]
