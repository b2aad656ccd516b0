"""Requests and rate-limit points per issue refresh: our GitHubClient vs a plain per-issue PyGithub loop.

    .venv/bin/python -m benchmarks.github [--sizes 10 100] [--json out.json]

For each size N, the same sandbox run measures a first refresh (nothing known) and a second refresh
(nothing changed) of N referenced issues:
- ours, strategy "auto": GraphQL batches + one REST read per new issue to store its ETag, then
  conditional GETs (304 = free);
- ours, strategy "graphql" without ETags: GraphQL batches only;
- baseline: `repo.get_issue(n)` + `issue.get_comments()` per issue (PyGithub has no stored ETags).
Counts come from the sandbox's counters (requests served, primary points, GraphQL points).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from github import Auth, Github

from connectors.github import GitHubClient
from connectors.github_models import IssueInfo, IssueKey
from sandbox.github import create_app
from sandbox.github_state import SEED_REPO, GitHubState
from sandbox.server import serve_in_thread

TOKEN = "sandbox-token"


def _measure(state: GitHubState, action: Callable[[], Any]) -> dict[str, float]:
    before = state.counters.snapshot()
    started = time.perf_counter()
    action()
    after = state.counters.snapshot()
    return {
        "requests": after["requests"] - before["requests"],
        "core_points": after["core_points"] - before["core_points"],
        "graphql_points": after["graphql_points"] - before["graphql_points"],
        "seconds": round(time.perf_counter() - started, 3),
    }


def _baseline(github: Github, numbers: list[int]) -> None:
    repo = github.get_repo(SEED_REPO)
    for number in numbers:
        issue = repo.get_issue(number)
        list(issue.get_comments())


def run_size(size: int) -> list[dict[str, Any]]:
    state = GitHubState.seeded(extra_issues=max(0, size - 40))
    numbers = sorted(
        n for n, i in state.repos[SEED_REPO.lower()].issues.items() if not i.deleted and not i.moved_to
    )
    numbers = numbers[:size]
    keys = [IssueKey(repo=SEED_REPO, number=n) for n in numbers]
    rows: list[dict[str, Any]] = []
    with serve_in_thread(create_app(state)) as server:
        client = GitHubClient.connect(
            server.url, token=TOKEN, min_interval=0.0, conditional_max=max(100, size)
        )
        for label, options in (
            ("ours (auto)", {}),
            ("ours (graphql only)", {"strategy": "graphql", "prime_etags": False}),
        ):
            known: dict[IssueKey, IssueInfo] = {}

            def refresh(opts: dict[str, Any] = options) -> None:
                nonlocal known
                known = dict(client.fetch_issues_blocking(keys, known=known, **opts).issues)

            rows.append({"size": size, "who": label, "refresh": 1, **_measure(state, refresh)})
            rows.append({"size": size, "who": label, "refresh": 2, **_measure(state, refresh)})
        client.close()
        github = Github(
            base_url=server.url,
            auth=Auth.Token(TOKEN),
            per_page=100,
            retry=None,
            seconds_between_requests=None,
        )
        for attempt in (1, 2):
            rows.append(
                {
                    "size": size,
                    "who": "PyGithub loop",
                    "refresh": attempt,
                    **_measure(state, lambda: _baseline(github, numbers)),
                }
            )
        github.close()
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    base = {(r["size"], r["refresh"]): r for r in rows if r["who"] == "PyGithub loop"}
    lines = [
        f"{'N':>4} {'who':<20} {'refresh':>7} {'requests':>8} {'core pts':>8} {'gql pts':>7} "
        f"{'points':>6} {'req ratio':>9} {'pts ratio':>9} {'seconds':>7}"
    ]
    for r in rows:
        b = base[(r["size"], r["refresh"])]
        points, b_points = r["core_points"] + r["graphql_points"], b["core_points"] + b["graphql_points"]
        req_ratio = f"{b['requests'] / r['requests']:.1f}x" if r["requests"] else "inf"
        pts_ratio = f"{b_points / points:.1f}x" if points else "inf"
        lines.append(
            f"{r['size']:>4} {r['who']:<20} {r['refresh']:>7} {r['requests']:>8} {r['core_points']:>8} "
            f"{r['graphql_points']:>7} {points:>6} {req_ratio:>9} {pts_ratio:>9} {r['seconds']:>7}"
        )
    lines.append("ratio = PyGithub loop / row (higher is better for the row); inf = the row used none")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--json", help="also write the rows as JSON to this file")
    args = parser.parse_args()
    rows = [row for size in args.sizes for row in run_size(size)]
    print(_table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
