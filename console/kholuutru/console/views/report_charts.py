"""Horizontal bar charts drawn on the server as inline SVG, like the backups page's line charts (no script library).

The reports page compares units: one bar per unit, its value written at the end of the bar and in its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from .backup_charts import COLOUR

WIDTH, BAR, GAP, LABEL = 640, 14, 6, 250


def bar_chart(chart_id: str, bars: Sequence[tuple[str, float]], shown: Callable[[float], str]) -> Markup:
    """An SVG chart with one bar per ``(label, value)``, zero on the left, the longest bar the largest value."""
    if not bars:
        return Markup("")
    top = max(value for _label, value in bars) or 1.0
    inner = WIDTH - LABEL - 70
    height = len(bars) * (BAR + GAP) + GAP
    rows = []
    for index, (label, value) in enumerate(bars):
        y = GAP + index * (BAR + GAP)
        length = round(inner * value / top, 1)
        rows.append(
            f'<text x="{LABEL - 6}" y="{y + BAR - 3}" text-anchor="end">{escape(label[:40])}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{length}" height="{BAR}" fill="{COLOUR}">'
            f"<title>{escape(label)}: {escape(shown(value))}</title></rect>"
            f'<text x="{LABEL + length + 4}" y="{y + BAR - 3}">{escape(shown(value))}</text>')
    return Markup(
        f'<svg id="{escape(chart_id)}" class="kholuutru-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" fill="#555">{"".join(rows)}</svg>'
    )
