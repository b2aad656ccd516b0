"""Charts with matplotlib: inline SVG for HTML (with <title>/<desc> as text alternative), PNG for e-mail.

Catalogue text reaches a chart only as axis labels. Matplotlib draws text as paths (`svg.fonttype` "path"),
so no catalogue text ends up as markup in the SVG, and `text.parse_math` is off, so a `$` in a package name
is just a dollar sign. Every id in the SVG gets a per-chart prefix: several charts share one HTML page.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from html import escape
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must come before pyplot is imported anywhere
from matplotlib.figure import Figure as MplFigure  # noqa: E402

from reports.model import Chart  # noqa: E402

__all__ = ["chart_svg", "chart_png"]

_RC: Any = {  # Any: matplotlib types rc keys as one long Literal
    "svg.fonttype": "path",
    "text.parse_math": False,
    "svg.hashsalt": "swc-beheer",  # stable output: the same data gives the same file
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_PALETTE = ("#1f5f9f", "#d9822b", "#3c8d5a", "#b03a48", "#6f5aa8", "#7a7a7a")
_LOCK = threading.Lock()  # rc_context changes global state; the daemon may render in a worker thread
_ID = re.compile(r'\bid="([^"]+)"')
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _label(text: str, width: int = 28) -> str:
    short = text if len(text) <= 60 else text[:57] + "..."
    return "\n".join(textwrap.wrap(short, width)) or " "


def _draw(chart: Chart) -> MplFigure:
    count = len(chart.categories)
    horizontal = chart.kind == "barh"
    height = max(2.6, 0.32 * count + 1.0) if horizontal else 3.2
    fig = MplFigure(figsize=(6.4, min(height, 14.0)), layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(count))
    labels = [_label(c, 34 if horizontal else 14) for c in chart.categories]
    if chart.kind == "line":
        for i, series in enumerate(chart.series):
            ax.plot(
                positions, series.values, marker="o", color=_PALETTE[i % len(_PALETTE)], label=series.name
            )
        ax.set_xticks(
            positions, labels, rotation=45 if count > 8 else 0, ha="right" if count > 8 else "center"
        )
    elif horizontal:
        ax.barh(positions, chart.series[0].values, color=_PALETTE[0])
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
    else:
        bottom = [0.0] * count
        width = 0.8 / (1 if chart.kind == "stacked" else max(1, len(chart.series)))
        for i, series in enumerate(chart.series):
            color = _PALETTE[i % len(_PALETTE)]
            if chart.kind == "stacked":
                ax.bar(positions, series.values, bottom=bottom, color=color, label=series.name)
                bottom = [b + v for b, v in zip(bottom, series.values, strict=True)]
            else:
                shifted = [p + (i - (len(chart.series) - 1) / 2) * width for p in positions]
                ax.bar(shifted, series.values, width=width, color=color, label=series.name)
        ax.set_xticks(
            positions, labels, rotation=30 if count > 5 else 0, ha="right" if count > 5 else "center"
        )
    if chart.value_label:
        (ax.set_xlabel if horizontal else ax.set_ylabel)(chart.value_label)
    if len(chart.series) > 1:
        ax.legend(frameon=False)
    return fig


def _render(chart: Chart, fmt: str) -> bytes:
    with _LOCK, matplotlib.rc_context(_RC):
        fig = _draw(chart)
        out = io.BytesIO()
        fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None, dpi=110)
    return out.getvalue()


def chart_png(chart: Chart) -> bytes:
    """The chart as PNG (for e-mail and documents)."""
    return _render(chart, "png")


def chart_svg(chart: Chart, element_id: str) -> str:
    """The chart as an inline <svg> with role="img", a <title> and a <desc> (its text alternative)."""
    text = _render(chart, "svg").decode("utf-8")
    text = text[text.index("<svg") :]
    text = _COMMENT.sub("", text)  # matplotlib repeats every label in a comment: drop catalogue text there
    prefix = f"{element_id}-"
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = text.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    opening_end = text.index(">") + 1
    opening = text[:opening_end]
    opening = re.sub(r'\s(width|height)="[^"]*"', "", opening, count=2)
    opening = opening[:-1] + (
        f' id="{element_id}" role="img" aria-labelledby="{title_id} {desc_id}" class="chart"'
        ' preserveAspectRatio="xMidYMid meet">'
    )
    accessible = (
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>'
    )
    return opening + accessible + text[opening_end:]
