"""The digest's PNG chart: new, resolved and reopened findings per journey step (matplotlib, Agg)."""

from __future__ import annotations

import io
from typing import Any

from reports.digest.i18n import t

__all__ = ["render_chart"]


def render_chart(payload: dict[str, Any]) -> bytes:
    """A small bar chart (600x260 px at 2x) of the payload's findings per step; PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the daemon and CI have none
    from matplotlib.figure import Figure

    lang = payload["lang"]
    steps = payload["findings"]["steps"]
    labels = [s["step"] for s in steps] or ["-"]
    fig = Figure(figsize=(6.0, 2.6), dpi=100)
    ax = fig.add_subplot()
    width = 0.27
    colours = {"new": "#b45309", "resolved": "#047857", "reopened": "#b91c1c"}
    for offset, kind in enumerate(("new", "resolved", "reopened")):
        values = [s[kind] for s in steps] or [0]
        positions = [i + (offset - 1) * width for i in range(len(labels))]
        ax.bar(positions, values, width, label=t(lang, f"findings.kind.{kind}"), color=colours[kind])
    ax.set_xticks(range(len(labels)), labels)
    ax.set_title(t(lang, "chart.title"), fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=200, metadata={"Software": None})
    return out.getvalue()
