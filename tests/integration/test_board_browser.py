"""The HTML board in headless Chromium at phone and desktop widths: no horizontal overflow.

A test-only script appended to the page measures the layout and writes the numbers into the DOM. Headless
Chromium will not make a window narrower than 500 px for `--dump-dom`, so the page is measured inside an
iframe of exactly the width under test (srcdoc: same origin, so the wrapper can copy the numbers out for
`--dump-dom`). Screenshots are taken of the page itself at that window width; they are written next to the
page (set BOARD_SCREENSHOTS=DIR to keep them and look at them).
Without Chromium the test skips, except in CI (CI=true) where it fails.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.settings import DEFAULT_JOURNEY
from connectors.github_models import IssueInfo, IssueKey
from journey.parser import load_journey, parse_journey
from journey.render import render_html
from journey.rollup import Board, build_board

pytestmark = pytest.mark.browser

REPO = "VNG-Realisatie/Softwarecatalogus"
NOW = datetime(2025, 10, 1, tzinfo=UTC)
MEASURE = """
<script>
(function () {
  var root = document.documentElement, width = window.innerWidth, offenders = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) offenders.push(el.tagName.toLowerCase() + "." + el.className);
  });
  root.setAttribute("data-inner-width", String(width));
  root.setAttribute("data-scroll-width", String(root.scrollWidth));
  root.setAttribute("data-offenders", offenders.slice(0, 10).join(" "));
})();
</script>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "headless Chromium not found (install it: apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _board() -> Board:
    seed = load_journey(DEFAULT_JOURNEY, default_repo=REPO)
    long_word = "Gebruikersbeheerinrichtingsoverzichtsrapportagemogelijkheden" * 2
    extra = parse_journey(
        "# Extra\n\n## Fase 1: "
        + long_word
        + "\n\n| Stap | Actie | Beschrijving | Issues |\n|---|---|---|---|\n"
        f"| 1.1 | {long_word} | https://example.org/{long_word} "
        "| other-org/other-repo#12345, #1, #2, #3, #4 |\n",
        "extra.md",
        default_repo=REPO,
    )

    def info(number: int, **fields: object) -> IssueInfo:
        return IssueInfo(
            key=IssueKey(repo=REPO, number=number), title=f"Issue {number}: {long_word}", **fields
        )  # type: ignore[arg-type]

    issues = {
        IssueKey(repo=REPO, number=n): info(n, state="closed", state_reason="completed")
        for n in (140, 142, 63, 64, 62)
    }
    issues[IssueKey(repo=REPO, number=143)] = info(
        143, state="open", labels=("user story", "Beheer"), updated_at=NOW
    )
    issues[IssueKey(repo=REPO, number=141)] = info(141, state="open", updated_at=NOW - timedelta(days=90))
    issues[IssueKey(repo=REPO, number=11)] = info(11, state="open", labels=("blocked",), updated_at=NOW)
    issues[IssueKey(repo=REPO, number=75)] = info(75, state="closed", state_reason="not_planned")
    return build_board([seed, extra], issues, now=NOW, default_repo=REPO)


WRAPPER = """<!doctype html><html><body style="margin:0">
<iframe id="board" style="width:{width}px;height:2000px;border:0" srcdoc="{srcdoc}"></iframe>
<script>
document.getElementById("board").addEventListener("load", function () {{
  var inner = this.contentDocument.documentElement, root = document.documentElement;
  ["inner-width", "scroll-width", "offenders"].forEach(function (name) {{
    root.setAttribute("data-" + name, inner.getAttribute("data-" + name));
  }});
}});
</script></body></html>"""


def _open(chromium: str, page: Path, width: int, out: Path) -> dict[str, str]:
    common = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={out / f'profile-{width}'}",
        f"--window-size={width},2000",
    ]
    shot = out / f"board-{width}.png"
    subprocess.run(
        [*common, f"--screenshot={shot}", page.as_uri()], check=True, capture_output=True, timeout=120
    )
    assert shot.stat().st_size > 0
    wrapper = out / f"measure-{width}.html"
    srcdoc = html.escape(page.read_text(encoding="utf-8"), quote=True)
    wrapper.write_text(WRAPPER.format(width=width, srcdoc=srcdoc), encoding="utf-8")
    common[-1] = f"--window-size={width + 40},2000"
    dom = subprocess.run(
        [*common, "--dump-dom", wrapper.as_uri()], check=True, capture_output=True, timeout=120, text=True
    ).stdout
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag, dom[:500]
    return dict(re.findall(r'data-([\w-]+)="([^"]*)"', html_tag.group(0)))


@pytest.mark.parametrize("width", [375, 1280])
def test_board_has_no_horizontal_overflow(width: int, tmp_path: Path) -> None:
    chromium = _chromium()
    out = Path(os.environ.get("BOARD_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = out / "board.html"
    page.write_text(render_html(_board(), "nl").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    measured = _open(chromium, page, width, out)
    assert int(measured["inner-width"]) == width
    assert int(measured["scroll-width"]) <= width, measured
    assert measured["offenders"] == ""
