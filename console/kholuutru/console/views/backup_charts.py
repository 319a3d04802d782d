"""Small line charts drawn on the server as inline SVG: no script library, no CDN, readable without JavaScript.

The backups page plots a handful of series of at most fifty points (size and duration of each run over time); an SVG
polyline with one titled dot per run is all that needs, and it prints and archives with the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from ..suspension import format_since

WIDTH, HEIGHT = 480, 160
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 22, 22
COLOUR = "#337ab7"
"""Bootstrap 3's primary blue, as the console's buttons."""


def line_chart(chart_id: str, points: Sequence[tuple[dt.datetime, float]], shown: Callable[[float], str]) -> Markup:
    """An SVG chart of ``points`` (time, value), oldest left, zero at the bottom; ``shown`` formats a value."""
    ordered = sorted(points)
    if not ordered:
        return Markup("")
    first, last = ordered[0][0], ordered[-1][0]
    span = (last - first).total_seconds() or 1.0
    top = max(value for _moment, value in ordered) or 1.0
    inner_width, inner_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def place(moment: dt.datetime, value: float) -> tuple[float, float]:
        x = LEFT + inner_width * ((moment - first).total_seconds() / span if len(ordered) > 1 else 0.5)
        return round(x, 1), round(TOP + inner_height * (1 - value / top), 1)

    placed = [(place(moment, value), moment, value) for moment, value in ordered]
    line = " ".join(f"{x},{y}" for (x, y), _moment, _value in placed)
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="3" fill="{COLOUR}">'
        f"<title>{escape(format_since(moment))}: {escape(shown(value))}</title></circle>"
        for (x, y), moment, value in placed)
    base = HEIGHT - BOTTOM
    return Markup(
        f'<svg id="{escape(chart_id)}" class="kholuutru-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" fill="#555">'
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#999"/>'
        f'<text x="{LEFT}" y="14">{escape(shown(top))}</text>'
        f'<text x="{LEFT}" y="{HEIGHT - 6}">{escape(format_since(first))}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end">{escape(format_since(last))}</text>'
        f'<polyline points="{line}" fill="none" stroke="{COLOUR}" stroke-width="2"/>{dots}</svg>'
    )
