"""Charts: inline SVG with a text alternative and ids of its own; catalogue text never becomes markup."""

from __future__ import annotations

import re

from reports.charts import chart_png, chart_svg
from reports.model import Chart, Series

HOSTILE = Chart(
    "c", "Pakketten <b>top</b>", "barh", ("<script>alert(1)</script>", "$x^2$ & co"),
    (Series("n", (3.0, 5.0)),), "Beschrijving met <i>opmaak</i> & meer",
)  # fmt: skip


def test_svg_has_role_title_and_description() -> None:
    svg = chart_svg(HOSTILE, "chart-7")
    assert (
        svg.startswith("<svg")
        and 'role="img"' in svg
        and 'aria-labelledby="chart-7-title chart-7-desc"' in svg
    )
    assert '<title id="chart-7-title">Pakketten &lt;b&gt;top&lt;/b&gt;</title>' in svg
    assert '<desc id="chart-7-desc">Beschrijving met &lt;i&gt;opmaak&lt;/i&gt; &amp; meer</desc>' in svg


def test_catalogue_text_is_drawn_not_written() -> None:
    svg = chart_svg(HOSTILE, "chart-1")
    assert "<script" not in svg and "alert(1)" not in svg  # labels are paths, not text
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("chart-1") for i in ids) and len(ids) == len(set(ids))


def test_png_for_e_mail() -> None:
    assert chart_png(HOSTILE).startswith(b"\x89PNG")
