"""Every HTML report in headless Chromium at 375 px and 1280 px: no horizontal overflow, every chart an SVG
with a text alternative and a table beside it, and axe-core (npm) finding no serious or critical violations.

The reports are built from the tiny sandbox catalogue (synced over HTTP, reconciled), with catalogue links
on. As in test_board_browser, a test-only script appended to a copy of the page measures the layout inside
an iframe of exactly the width under test and writes the numbers into the DOM for `--dump-dom`.
axe-core is looked up in node_modules/axe-core (`npm install --no-save axe-core`) or SWC_TEST_AXE_JS.
Without Chromium (or axe-core) the tests skip, except in CI (CI=true) where they fail.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from config.settings import DEFAULT_JOURNEY, ReconcileSettings
from journey.parser import load_journey
from reconcile import run_reconcile
from reconcile.register import Register
from reports.common import ObjectLinks, ReportOptions
from reports.concepts import build_concepts_report
from reports.digest.deliver import ChannelSpec, DigestPolicy, build_digest
from reports.findings import build_findings_report, journey_step_titles, load_findings_state
from reports.model import Report
from reports.render import render_html
from reports.usage import build_usage_report
from reports.users import build_users_report
from sandbox.datagen import generate
from store import open_store
from tests.helpers.sync_checks import sync_dataset

pytestmark = [pytest.mark.browser, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]
NAMES = ("findings", "usage", "users", "concepts")

MEASURE = """
<script>
(function () {
  var root = document.documentElement, width = window.innerWidth, offenders = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") return;
    // a wide table scrolls inside its own region (keyboard-focusable); only the page itself must fit
    if (el.closest(".table-wrap") && !el.classList.contains("table-wrap")) return;
    var box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) offenders.push(el.tagName.toLowerCase() + "." + el.className);
  });
  var charts = document.querySelectorAll("figure svg[role=img]"), labelled = 0, tabled = 0;
  charts.forEach(function (svg) {
    var ids = (svg.getAttribute("aria-labelledby") || "").split(" "), text = "";
    ids.forEach(function (id) { var el = document.getElementById(id); if (el) text += el.textContent; });
    if (text.trim().length > 10 && svg.querySelector("title") && svg.querySelector("desc")) labelled += 1;
    if (svg.closest("figure").querySelector("table")) tabled += 1;
  });
  root.setAttribute("data-inner-width", String(width));
  root.setAttribute("data-scroll-width", String(root.scrollWidth));
  root.setAttribute("data-offenders", offenders.slice(0, 10).join(" "));
  root.setAttribute("data-charts", String(charts.length));
  root.setAttribute("data-labelled", String(labelled));
  root.setAttribute("data-tabled", String(tabled));
})();
</script>
"""

WRAPPER = """<!doctype html><html><body style="margin:0">
<iframe id="page" style="width:{width}px;height:2000px;border:0" srcdoc="{srcdoc}"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var inner = this.contentDocument.documentElement, root = document.documentElement;
  ["inner-width", "scroll-width", "offenders", "charts", "labelled", "tabled"].forEach(function (name) {{
    root.setAttribute("data-" + name, inner.getAttribute("data-" + name));
  }});
}});
</script></body></html>"""

AXE_RUNNER = """<script>
axe.run(document, {resultTypes: ["violations"]}).then(function (result) {
  var bad = result.violations
    .filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
    .map(function (v) {
      return v.id + ":" + v.impact + ":" + (v.nodes[0] ? v.nodes[0].target.join(" ") : "");
    });
  document.documentElement.setAttribute("data-axe", bad.join(" | ") || "none");
}).catch(function (e) { document.documentElement.setAttribute("data-axe", "error " + e); });
</script>"""


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        _missing("headless Chromium not found (install it: apt-get install -y chromium)")
    return str(found)


def _axe() -> str:
    path = Path(os.environ.get("SWC_TEST_AXE_JS") or ROOT / "node_modules" / "axe-core" / "axe.min.js")
    if not path.is_file():
        _missing(f"axe-core not found at {path} (npm install --no-save axe-core)")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    dataset = generate(size="tiny")
    now = datetime.fromisoformat(dataset.meta["reference_now"])
    out = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path_factory.mktemp("report-pages"))
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('store')}/s.sqlite3")
    sync_dataset(store, dataset)
    run_reconcile(store, Register.load(), ReconcileSettings(), now)
    links = ObjectLinks("https://softwarecatalogus.example/{schema}/{id}", {"organisation": "organisatie"})
    options = ReportOptions(links=links, now=now)
    titles = journey_step_titles(
        [load_journey(DEFAULT_JOURNEY, default_repo="VNG-Realisatie/Softwarecatalogus")[0]]
    )
    built: dict[str, Report] = {
        "findings": build_findings_report(load_findings_state(store), options, titles),
        "usage": build_usage_report(store, Register.load(), options),
        "users": build_users_report(store, options),
        "concepts": build_concepts_report(store, options, warn_days=30, duplicate_score=85.0),
    }
    # the weekly digest e-mail over the same store: the last week's findings, the chart inline (cid:)
    mail = ChannelSpec("beheer", "email", "nl")
    digest = build_digest(store, mail, now - timedelta(days=7), now, DigestPolicy())
    store.close()
    pages = {}
    for name, report in built.items():
        pages[name] = out / f"{name}.html"
        pages[name].write_text(render_html(report), encoding="utf-8")
    pages["digest-email"] = out / "digest-email.html"
    pages["digest-email"].write_text(digest.body_html, encoding="utf-8")
    yield pages


def _run(chromium: str, out: Path, width: int, *args: str) -> str:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={out / f'profile-{width}'}",
        f"--window-size={width},2000", *args,
    ]  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True, timeout=180, text=True).stdout


def _attributes(dom: str) -> dict[str, str]:
    tag = re.search(r"<html[^>]*>", dom)
    assert tag, dom[:500]
    return dict(re.findall(r'data-([\w-]+)="([^"]*)"', tag.group(0)))


def _measure(chromium: str, page: Path, name: str, width: int) -> dict[str, str]:
    measured_page = page.with_name(f"{name}-measure.html")
    measured_page.write_text(
        page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), "utf-8"
    )
    wrapper = page.with_name(f"{name}-wrapper-{width}.html")
    srcdoc = html.escape(measured_page.read_text(encoding="utf-8"), quote=True)
    wrapper.write_text(WRAPPER.format(width=width, srcdoc=srcdoc), encoding="utf-8")
    return _attributes(_run(chromium, page.parent, width + 40, "--dump-dom", wrapper.as_uri()))


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", NAMES)
def test_report_fits_the_width_and_labels_its_charts(reports: dict[str, Path], name: str, width: int) -> None:
    chromium = _chromium()
    page = reports[name]
    measured = _measure(chromium, page, name, width)
    assert int(measured["inner-width"]) == width
    assert int(measured["scroll-width"]) <= width, measured
    assert measured["offenders"] == ""
    charts = int(measured["charts"])
    assert charts >= (0 if name == "concepts" else 1)
    assert int(measured["labelled"]) == charts and int(measured["tabled"]) == charts
    shot = page.with_name(f"{name}-{width}.png")
    _run(chromium, page.parent, width, f"--screenshot={shot}", page.as_uri())
    assert shot.stat().st_size > 0


@pytest.mark.parametrize("name", NAMES)
def test_axe_finds_no_serious_or_critical_violations(reports: dict[str, Path], name: str) -> None:
    chromium, axe = _chromium(), _axe()
    page = reports[name]
    checked = page.with_name(f"{name}-axe.html")
    script = f"<script>{axe}</script>{AXE_RUNNER}"
    checked.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), "utf-8")
    dom = _run(chromium, page.parent, 1280, "--virtual-time-budget=30000", "--dump-dom", checked.as_uri())
    assert _attributes(dom).get("axe") == "none"


@pytest.mark.parametrize("width", [375, 600])
def test_the_digest_email_fits_a_phone_and_a_mail_client(reports: dict[str, Path], width: int) -> None:
    """The HTML e-mail at 375 px (a phone) and 600 px (the usual mail column): no horizontal overflow."""
    chromium = _chromium()
    page = reports["digest-email"]
    measured = _measure(chromium, page, "digest-email", width)
    assert int(measured["inner-width"]) == width
    assert int(measured["scroll-width"]) <= width, measured
    assert measured["offenders"] == ""
    shot = page.with_name(f"digest-email-{width}.png")
    _run(chromium, page.parent, width, f"--screenshot={shot}", page.as_uri())
    assert shot.stat().st_size > 0
