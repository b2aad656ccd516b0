"""/metrics shows GitHub's rate limit as the GitHub sandbox last reported it (parsed as Prometheus text)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import load_settings
from sandbox.catalogue import CatalogueState
from sandbox.catalogue import create_app as create_catalogue
from sandbox.github import create_app as create_github
from sandbox.github_state import GitHubState
from sandbox.server import serve_in_thread
from swc_beheer.daemon import build_daemon
from tests.helpers.sync_checks import PASSWORD, USER, tiny_dataset

pytestmark = pytest.mark.integration

NEVER = "0 3 1 1 *"
TOKEN = "rate-limit-token"


def test_metrics_show_the_github_rate_limit_last_seen(tmp_path: Path) -> None:
    catalogue = create_catalogue(CatalogueState(tiny_dataset(seed=5)), users={USER: PASSWORD})
    github = create_github(GitHubState.seeded(), token=TOKEN, rate_limit=4321, graphql_points=1234)
    with serve_in_thread(catalogue) as catalogue_server, serve_in_thread(github) as github_server:
        settings = load_settings(
            store={"url": f"sqlite:///{tmp_path}/metrics.sqlite3"},
            daemon={"port": 0},
            catalogue={"base_url": catalogue_server.url, "user": USER, "password": PASSWORD},
            github={"base_url": github_server.url, "token": TOKEN},
            schedule={"sync_cron": NEVER, "journey_cron": NEVER, "reconcile_cron": NEVER},
        )
        daemon = build_daemon(settings)
        daemon.start()
        try:
            deadline = time.monotonic() + 120
            while daemon.statuses["journey:refresh"].last_finished is None:
                assert time.monotonic() < deadline, "the journey refresh did not finish"
                time.sleep(0.2)
            assert daemon.statuses["journey:refresh"].last_outcome == "success"
            text = httpx.get(f"http://127.0.0.1:{daemon.port}/metrics", timeout=10).text
        finally:
            daemon.stop()
        # what the sandbox itself says now (GET /rate_limit costs nothing, as on GitHub)
        resources = httpx.get(
            f"{github_server.url}/rate_limit", headers={"Authorization": f"token {TOKEN}"}, timeout=10
        ).json()["resources"]
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {(s.name, s.labels.get("resource")): s.value for f in families.values() for s in f.samples}
    assert families["swc_github_rate_limit_remaining"].type == "gauge"
    used = {name: int(resources[name]["used"]) for name in ("core", "graphql")}
    assert used["core"] > 0 and used["graphql"] > 0  # the refresh spent points on both resources
    assert samples[("swc_github_rate_limit_limit", "core")] == 4321
    assert samples[("swc_github_rate_limit_limit", "graphql")] == 1234
    assert samples[("swc_github_rate_limit_remaining", "core")] == 4321 - used["core"]
    assert samples[("swc_github_rate_limit_remaining", "graphql")] == 1234 - used["graphql"]
    for name in ("core", "graphql"):
        assert samples[("swc_github_rate_limit_reset_timestamp_seconds", name)] == int(
            resources[name]["reset"]
        )
