"""Accessible pictures rendered on the server: pure functions that take figures and already-translated
words and return safe markup (`markupsafe.Markup`): an SVG with role="img", a <title> and a <desc>, and
beside it a table holding the same figures, so that nothing is only in the picture.

- `bars.bar_chart`: horizontal bars (results per college, participation per college)
- `timeline.step_chart`: a count over time (a proposal's supports)
- `grid.heat_grid`: rows × columns of shaded cells (regions × agenda items)

Every word that reaches the markup goes through `markup.escape`; no caller-supplied text is ever
marked safe here. Colours meet WCAG 2.1 non-text contrast (3:1) against white.
"""

from agora.charts.bars import Bar, bar_chart, bars_svg
from agora.charts.grid import Cell, heat_grid
from agora.charts.timeline import Point, step_chart

__all__ = ["Bar", "Cell", "Point", "bar_chart", "bars_svg", "heat_grid", "step_chart"]
