"""The real server's partial views (issue 13): never delete on an anonymous, tenant-filtered or miscounted
listing. Each trap starts from a store fully synced with an admin account; objects of every type are then
removed from the sandbox, and a full sync through the CLI (settings -> wiring -> OCS check -> sync) must
delete nothing, exit 3 (partial) and name the cause. The same with an admin-group account deletes exactly
what was removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sandbox.accounts import AccountBook
from sandbox.catalogue import CatalogueState, build_accounts, create_app
from sandbox.faults import parse_faults
from sandbox.server import serve_in_thread
from store import open_store
from store.catalogue_tables import ENTITY_TABLES
from swc_beheer.cli import app
from tests.helpers.sync_checks import tiny_dataset

pytestmark = pytest.mark.integration

SCHEMA_OF = {
    "organisation": "organisatie",
    "contact": "contactpersoon",
    "package": "module",
    "usage": "gebruik",
    "koppeling": "koppeling",
}
CONCEPT_SUPPLIER = {"naam": "Nieuwe Leverancier B.V.", "type": "Leverancier", "status": "Concept"}


@dataclass
class Sandbox:
    """A sandbox catalogue whose serving options a test may switch between runs."""

    state: CatalogueState
    book: AccountBook
    url: str
    options: dict[str, Any]

    def login(self, kind: str) -> tuple[str, str]:
        login = self.book.logins[kind]  # type: ignore[index]
        return login.uid, login.password


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    state = CatalogueState(tiny_dataset(seed=13))
    state.add("organisatie", CONCEPT_SUPPLIER)  # not public: an anonymous caller never sees it
    book = build_accounts(state)
    holder = Sandbox(state, book, "", {})
    apps: dict[tuple[Any, ...], Any] = {}

    def serve(request: Any) -> Any:  # the options may change between runs; one app per combination
        key = tuple(sorted(holder.options.items()))
        if key not in apps:
            options = dict(holder.options)
            faults = parse_faults(options.pop("faults")) if "faults" in options else None
            apps[key] = create_app(state, accounts=book, faults=faults, next_links=False, **options)
        return apps[key](request)

    with serve_in_thread(serve) as server:
        holder.url = server.url
        yield holder


def env_for(sandbox: Sandbox, store_url: str, user: str | None, password: str | None) -> dict[str, str]:
    env = {
        "SWC_STORE__URL": store_url,
        "SWC_CATALOGUE__BASE_URL": sandbox.url,
        "SWC_CATALOGUE__PAGE_SIZE": "20",
        "SWC_SYNC__DELETION_BRAKE": "1.0",  # no brake: what holds the deletions is the judgement alone
        "SWC_LANGUAGE": "en",
    }
    if user is not None:
        env["SWC_CATALOGUE__USER"] = user
    if password is not None:
        env["SWC_CATALOGUE__PASSWORD"] = password
    return env


def sync(env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any], str]:
    """`swc-beheer sync --full --json` and `swc-beheer sync --full` (the summary); JSON from the first."""
    runner = CliRunner()
    result = runner.invoke(app, ["sync", "--full", "--json", *extra], env=env, catch_exceptions=False)
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result.exit_code, report, result.stdout + result.stderr


def deleted_ids(store_url: str) -> dict[str, set[str]]:
    with open_store(store_url).sessions() as session:
        return {
            entity: set(session.execute(sa.select(t.c.id).where(t.c.deleted_at.is_not(None))).scalars())
            for entity, t in ENTITY_TABLES.items()
        }


def remove_one_of_each(state: CatalogueState) -> dict[str, set[str]]:
    """Soft-delete one object per type in the sandbox (the Concept supplier among them); their ids."""
    removed: dict[str, set[str]] = {}
    for entity, schema in SCHEMA_OF.items():
        ids = sorted(state.ids(schema))
        if schema == "organisatie":
            concept = next(o["id"] for o in state.snapshot()[schema] if o.get("status") == "Concept")
            victim = concept
        else:
            victim = ids[len(ids) // 2]
        state.delete(schema, victim)
        removed[entity] = {victim}
    return removed


@pytest.fixture
def synced(sandbox: Sandbox, tmp_path: Path) -> tuple[str, dict[str, set[str]]]:
    """A store fully synced by the admin account, then one object per type removed from the sandbox."""
    store_url = f"sqlite:///{tmp_path}/store.sqlite3"
    code, report, out = sync(env_for(sandbox, store_url, *sandbox.login("admin")))
    assert code == 0, out
    assert {e: j["reason"] for e, j in report["completeness"].items()} == dict.fromkeys(
        SCHEMA_OF, "admin_group"
    )
    return store_url, remove_one_of_each(sandbox.state)


NOTHING_DELETED = {entity: set[str]() for entity in SCHEMA_OF}


def assert_held(report: dict[str, Any], code: int, store_url: str, reason: str) -> None:
    assert code == 3 and report["status"] == "partial"
    assert all(stats["deleted"] == 0 for stats in report["stats"].values())
    assert deleted_ids(store_url) == NOTHING_DELETED
    assert {j["reason"] for j in report["completeness"].values() if not j["complete"]} >= {reason}


# -- anonymous ----------------------------------------------------------------------------------------------


def test_an_empty_password_is_refused_by_the_settings_and_never_sent(
    sandbox: Sandbox, synced: tuple[str, dict[str, set[str]]]
) -> None:
    store_url, _ = synced
    user, _password = sandbox.login("admin")
    sandbox.state.reset_counters()
    code, _, out = sync(env_for(sandbox, store_url, user, ""))
    assert code == 2 and "SWC_CATALOGUE__PASSWORD" in out
    assert sandbox.state.request_count == 0
    assert deleted_ids(store_url) == NOTHING_DELETED


def test_a_raw_anonymous_listing_through_an_empty_password_shows_fewer_rows(sandbox: Sandbox) -> None:
    url = f"{sandbox.url}/index.php/apps/openregister/api/objects/voorzieningen"
    admin = httpx.get(f"{url}/organisatie", auth=sandbox.login("admin"), params={"_limit": 1000}).json()
    empty = httpx.get(f"{url}/organisatie", auth=(sandbox.login("admin")[0], ""), params={"_limit": 1000})
    assert empty.status_code == 200  # v1.0.x: the listing is a public page; Nextcloud saw no login
    anonymous = empty.json()
    assert len(anonymous["results"]) == anonymous["total"] < admin["total"]
    assert all(o["status"] == "Actief" for o in anonymous["results"])
    usage = httpx.get(f"{url}/gebruik", auth=(sandbox.login("admin")[0], "")).json()
    assert (usage["total"], usage["results"]) == (0, [])


def test_an_anonymous_sync_deletes_nothing(sandbox: Sandbox, synced: tuple[str, dict[str, set[str]]]) -> None:
    store_url, _ = synced
    code, report, _ = sync(env_for(sandbox, store_url, None, None))
    assert_held(report, code, store_url, "anonymous")
    assert all(j["reason"] == "anonymous" for j in report["completeness"].values())


# -- a non-admin account, filtered to its organisation ------------------------------------------------------


def test_a_non_admin_account_deletes_nothing_and_the_message_names_the_admin_group(
    sandbox: Sandbox, synced: tuple[str, dict[str, set[str]]]
) -> None:
    store_url, _ = synced
    env = env_for(sandbox, store_url, *sandbox.login("organisation"))
    code, report, _ = sync(env)
    assert_held(report, code, store_url, "not_admin")
    assert report["completeness"]["usage"]["params"]["uid"] == sandbox.login("organisation")[0]
    assert report["stats"]["usage"]["listed"] < len(sandbox.state.ids("gebruik"))  # filtered, yet "complete"
    code, _, out = sync_summary(env)
    assert code == 3 and "is not in the Nextcloud group 'admin'" in out


def sync_summary(env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["sync", "--full"], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr, result.stdout


def test_without_ocs_a_tenant_filtered_account_is_recognised_by_its_rows(
    sandbox: Sandbox, synced: tuple[str, dict[str, set[str]]]
) -> None:
    store_url, _ = synced
    sandbox.options["ocs"] = False
    code, report, _ = sync(env_for(sandbox, store_url, *sandbox.login("organisation")))
    assert_held(report, code, store_url, "tenant_filtered")
    tenant = sandbox.book.get(sandbox.login("organisation")[0])
    assert tenant is not None
    assert report["completeness"]["organisation"]["params"]["organisation"] == tenant.organisation


# -- miscounts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("total0=1", "count.total_zero"),
        ("pages0=1", "count.pages_zero"),
        ("short_total=1", "count.total_below_rows"),
    ],
)
def test_a_miscounted_listing_deletes_nothing_but_reads_every_row(
    sandbox: Sandbox, synced: tuple[str, dict[str, set[str]]], spec: str, reason: str
) -> None:
    store_url, _ = synced
    sandbox.options["faults"] = spec
    code, report, _ = sync(env_for(sandbox, store_url, *sandbox.login("admin")))
    assert_held(report, code, store_url, reason)
    for entity, schema in SCHEMA_OF.items():  # paged on to a short page: nothing was missed
        assert report["stats"][entity]["listed"] == len(sandbox.state.ids(schema))
        assert report["completeness"][entity]["reason"] == reason


# -- accounts that see everything ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options", "reason"),
    [
        ("admin", {}, "admin_group"),
        ("functioneel_beheerder", {}, "admin_group"),
        ("admin", {"ocs": False}, "no_tenant_filter"),
    ],
)
def test_an_account_that_sees_everything_deletes_exactly_what_was_removed(
    sandbox: Sandbox,
    synced: tuple[str, dict[str, set[str]]],
    kind: str,
    options: dict[str, Any],
    reason: str,
) -> None:
    store_url, removed = synced
    sandbox.options.update(options)
    code, report, out = sync(env_for(sandbox, store_url, *sandbox.login(kind)))
    assert code == 0, out
    assert deleted_ids(store_url) == removed
    assert all(report["stats"][e]["deleted"] == 1 for e in SCHEMA_OF)
    assert all(
        j == {"complete": True, "reason": reason, "params": j["params"]}
        for j in report["completeness"].values()
    )


def test_a_trap_then_the_admin_run_deletes_what_the_trap_held(
    sandbox: Sandbox, synced: tuple[str, dict[str, set[str]]]
) -> None:
    store_url, removed = synced
    assert sync(env_for(sandbox, store_url, *sandbox.login("organisation")))[0] == 3
    code, _, out = sync(env_for(sandbox, store_url, *sandbox.login("admin")))
    assert code == 0, out
    assert deleted_ids(store_url) == removed
