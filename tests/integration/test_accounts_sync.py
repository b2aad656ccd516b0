"""The Nextcloud accounts behind the contactpersonen (issue 12 item 1), synced through the CLI over real HTTP.

`swc-beheer sync --full` (settings -> wiring -> catalogue sync -> accounts sync) against the sandbox, on
SQLite and PostgreSQL. Every expected number is counted here from what the sandbox serves to an admin `httpx`
request (the OCS user list, each user, the contactpersonen and organisations), never through the sync or
store code: never logged in, disabled, without a contactpersoon, active per organisation type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sandbox.accounts import AccountBook
from sandbox.catalogue import CatalogueState, build_accounts, create_app
from sandbox.datagen import Dataset
from sandbox.server import serve_in_thread
from store import open_store
from store.accounts import (
    count_active_by_organisation_type,
    load_account_links,
    load_accounts_as_of,
    load_accounts_without_contact,
    load_contact_accounts,
    load_disabled_accounts,
    load_never_logged_in,
)
from swc_beheer.cli import app

pytestmark = pytest.mark.integration

OCS = "/ocs/v2.php/cloud"
OBJECTS = "/index.php/apps/openregister/api/objects/voorzieningen"
SINCE = datetime(2026, 9, 1, tzinfo=UTC)  # "active": logged in on or after this day


@dataclass
class Sandbox:
    state: CatalogueState
    book: AccountBook
    url: str
    options: dict[str, Any]

    def login(self, kind: str) -> tuple[str, str]:
        login = self.book.logins[kind]  # type: ignore[index]
        return login.uid, login.password


@pytest.fixture
def sandbox(sandbox_dataset: Dataset) -> Iterator[Sandbox]:
    state = CatalogueState(sandbox_dataset)
    book = build_accounts(state)
    holder = Sandbox(state, book, "", {})
    apps: dict[tuple[Any, ...], Any] = {}

    def serve(request: Any) -> Any:  # the options may change between runs; one app per combination
        key = tuple(sorted(holder.options.items()))
        if key not in apps:
            apps[key] = create_app(state, accounts=book, next_links=False, **holder.options)
        return apps[key](request)

    with serve_in_thread(serve) as server:
        holder.url = server.url
        yield holder


@dataclass
class Served:
    """What an admin sees: the accounts by uid, the catalogue's contactpersonen and organisations."""

    users: dict[str, dict[str, Any]]
    contacts: list[dict[str, Any]]
    organisations: dict[str, dict[str, Any]]

    def contact_of(self, user: dict[str, Any]) -> dict[str, Any] | None:
        address = (user.get("email") or user["id"]).strip().lower()
        matches = [c for c in self.contacts if (c.get("e-mailadres") or "").strip().lower() == address]
        return min(matches, key=lambda c: c["id"]) if matches else None


def served(sandbox: Sandbox) -> Served:
    with httpx.Client(base_url=sandbox.url, auth=sandbox.login("admin"), timeout=10) as http:
        headers, fmt = {"OCS-APIRequest": "true"}, {"format": "json"}
        uids = http.get(f"{OCS}/users", params=fmt, headers=headers).json()["ocs"]["data"]["users"]
        users = {
            uid: http.get(f"{OCS}/users/{uid}", params=fmt, headers=headers).json()["ocs"]["data"]
            for uid in uids
        }

        def listing(schema: str) -> list[dict[str, Any]]:
            return list(http.get(f"{OBJECTS}/{schema}", params={"_limit": 100000}).json()["results"])

        organisations = {o["id"]: o for o in listing("organisatie")}
        return Served(users, listing("contactpersoon"), organisations)


def env_for(sandbox: Sandbox, store_url: str, kind: str) -> dict[str, str]:
    user, password = sandbox.login(kind)
    return {
        "SWC_STORE__URL": store_url,
        "SWC_CATALOGUE__BASE_URL": sandbox.url,
        "SWC_CATALOGUE__USER": user,
        "SWC_CATALOGUE__PASSWORD": password,
        "SWC_SYNC__DELETION_BRAKE": "1.0",
        "SWC_LANGUAGE": "en",
    }


def sync(env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["sync", "--full", "--json", *extra], env=env, catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def summary(env: dict[str, str]) -> str:
    result = CliRunner().invoke(app, ["sync", "--full"], env=env, catch_exceptions=False)
    return result.stdout


def stored(store_url: str, sql: str) -> list[Any]:
    store = open_store(store_url)
    try:
        with store.engine.connect() as conn:
            return list(conn.execute(sa.text(sql)).all())
    finally:
        store.close()


def test_the_sandbox_accounts_land_in_the_store_as_served(sandbox: Sandbox, store_url: str) -> None:
    truth = served(sandbox)
    code, report = sync(env_for(sandbox, store_url, "admin"))
    assert code == 0 and report["status"] == "success"
    accounts = report["accounts"]
    never = {u for u, d in truth.users.items() if d["lastLogin"] == 0}
    disabled = {u for u, d in truth.users.items() if d["enabled"] is False}
    without = {u for u, d in truth.users.items() if truth.contact_of(d) is None}
    assert (accounts["status"], accounts["reason"]) == ("success", None)
    assert accounts["listed"] == accounts["new"] == accounts["live"] == len(truth.users)
    # the caller's groups, then cloud/users/details in pages of 500 (after a full last page: an empty one)
    assert accounts["requests"] == 1 + len(truth.users) // 500 + 1
    assert (accounts["never_logged_in"], accounts["disabled"], accounts["without_contact"]) == (
        len(never),
        len(disabled),
        len(without),
    )
    assert never and disabled and without  # the sandbox has every kind
    rows = stored(store_url, "SELECT uid, email, enabled, last_login, deleted_at FROM nextcloud_account")
    assert {r.uid for r in rows} == set(truth.users)
    for row in rows:
        user = truth.users[row.uid]
        assert row.email == (user["email"].lower() if user["email"] else None)
        assert bool(row.enabled) is user["enabled"] and row.deleted_at is None
        assert (row.last_login is None) is (user["lastLogin"] == 0)
    with open_store(store_url).sessions() as session:
        assert {link.account.uid for link in load_never_logged_in(session)} == never
        assert {link.account.uid for link in load_disabled_accounts(session)} == disabled
        assert {link.account.uid for link in load_accounts_without_contact(session)} == without
        links = {link.account.uid: link.contact_id for link in load_account_links(session)}
        by_contact = load_contact_accounts(session)
        active = count_active_by_organisation_type(session, since=SINCE)
    for uid, user in truth.users.items():
        contact = truth.contact_of(user)
        assert links[uid] == (contact["id"] if contact else None)
    for contact in truth.contacts:  # each contactpersoon's account: the one with its address, or none
        address = (contact.get("e-mailadres") or "").strip().lower()
        owners = [u for u, d in truth.users.items() if (d.get("email") or u).strip().lower() == address]
        assert (by_contact[contact["id"]].uid if by_contact[contact["id"]] else None) == (
            owners[0] if owners else None
        )
    assert active == expected_active(truth)


def expected_active(truth: Served, since: datetime = SINCE) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for user in truth.users.values():
        if user["enabled"] is False or user["lastLogin"] < since.timestamp() * 1000:
            continue
        contact = truth.contact_of(user)
        link = contact.get("organisatie") if contact else None
        link = link.get("id") if isinstance(link, dict) else link
        organisation = truth.organisations.get(link) if isinstance(link, str) else None
        kind = type_of(organisation) if organisation else None
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def type_of(organisation: dict[str, Any]) -> str | None:
    """The served type as the store keeps it: one value (or a one-element list), spaces collapsed, lower."""
    value = organisation.get("type")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return " ".join(value.split()).lower() if isinstance(value, str) and value.strip() else None


def test_a_second_sync_changes_nothing_and_a_removed_account_is_soft_deleted(
    sandbox: Sandbox, store_url: str
) -> None:
    env = env_for(sandbox, store_url, "admin")
    first = sync(env)[1]["accounts"]
    code, report = sync(env)
    again = report["accounts"]
    assert code == 0 and again["status"] == "success"
    assert (again["new"], again["changed"], again["deleted"], again["unchanged"]) == (
        0,
        0,
        0,
        first["listed"],
    )
    assert stored(store_url, "SELECT count(*) FROM nextcloud_account_version")[0][0] == first["listed"]

    gone = next(a for a in sandbox.book.accounts.values() if a.contact is not None and a.last_login == 0)
    del sandbox.book.accounts[gone.uid.casefold()]
    before = datetime.now(UTC)
    code, report = sync(env)
    assert (
        code == 0
        and report["accounts"]["deleted"] == 1
        and report["accounts"]["listed"] == first["listed"] - 1
    )
    [(uid, deleted_at)] = stored(
        store_url, "SELECT uid, deleted_at FROM nextcloud_account WHERE deleted_at IS NOT NULL"
    )
    assert uid == gone.uid and deleted_at is not None
    changes = stored(
        store_url,
        f"SELECT change FROM nextcloud_account_version WHERE uid = '{gone.uid}' ORDER BY version_no",
    )
    assert [c for (c,) in changes] == ["new", "deleted"]
    with open_store(store_url).sessions() as session:  # "as of" before the deletion: still there
        assert gone.uid in {a.uid for a in load_accounts_as_of(session, before)}
        assert gone.uid not in {a.uid for a in load_accounts_as_of(session, datetime.now(UTC))}
    assert report["accounts"]["never_logged_in"] == first["never_logged_in"] - 1


def test_a_non_admin_account_makes_the_accounts_partial_and_deletes_nothing(
    sandbox: Sandbox, store_url: str
) -> None:
    admin_env = env_for(sandbox, store_url, "admin")
    listed = sync(admin_env)[1]["accounts"]["listed"]
    gone = next(a for a in sandbox.book.accounts.values() if a.contact is not None and a.enabled is False)
    del sandbox.book.accounts[gone.uid.casefold()]
    env = env_for(sandbox, store_url, "organisation")
    code, report = sync(env)
    accounts = report["accounts"]
    assert (accounts["status"], accounts["reason"]) == ("partial", "not_admin")
    assert accounts["params"]["uid"] == sandbox.login("organisation")[0]
    assert (accounts["listed"], accounts["deleted"]) == (0, 0)
    live = stored(store_url, "SELECT count(*) FROM nextcloud_account WHERE deleted_at IS NULL")[0][0]
    assert live == listed
    # the catalogue sync ran on its own terms: its data was read and saved, its status is its own
    assert report["status"] != "failed" and report["stats"]["organisation"]["listed"] > 0
    text = summary(env)
    assert "Accounts: partial, nothing deleted" in text and "is not in the Nextcloud group 'admin'" in text


def test_ocs_refused_makes_the_accounts_partial_while_the_catalogue_sync_succeeds(
    sandbox: Sandbox, store_url: str
) -> None:
    env = env_for(sandbox, store_url, "admin")
    listed = sync(env)[1]["accounts"]["listed"]
    before = stored(store_url, "SELECT uid, content_hash, last_seen FROM nextcloud_account ORDER BY uid")
    sandbox.options["ocs"] = False
    sandbox.state.delete("organisatie", sorted(sandbox.state.ids("organisatie"))[0])
    code, report = sync(env)
    assert code == 0 and report["status"] == "success"  # the catalogue: complete, judged by its rows
    assert report["stats"]["organisation"]["deleted"] == 1
    accounts = report["accounts"]
    assert (accounts["status"], accounts["reason"], accounts["params"]["status"]) == (
        "partial",
        "ocs_refused",
        404,
    )
    assert (
        stored(store_url, "SELECT uid, content_hash, last_seen FROM nextcloud_account ORDER BY uid") == before
    )
    assert len(before) == listed
    runs = stored(store_url, "SELECT source, status FROM sync_run ORDER BY id")
    assert [tuple(r) for r in runs] == [
        ("catalogue", "success"),
        ("accounts", "success"),
        ("catalogue", "success"),
        ("accounts", "partial"),
    ]
    assert "Nextcloud refused its provisioning API (OCS)" in summary(env)


def test_the_accounts_sync_can_be_switched_off_and_follows_full_runs_only(
    sandbox: Sandbox, store_url: str
) -> None:
    env = env_for(sandbox, store_url, "admin")
    code, report = sync({**env, "SWC_SYNC__ACCOUNTS": "false"})
    assert code == 0 and report["accounts"] is None
    result = CliRunner().invoke(app, ["sync", "--incremental", "--json"], env=env, catch_exceptions=False)
    assert json.loads(result.stdout)["accounts"] is None
    assert stored(store_url, "SELECT count(*) FROM nextcloud_account")[0][0] == 0
    assert [s for (s,) in stored(store_url, "SELECT source FROM sync_run")] == ["catalogue", "catalogue"]


def test_the_usage_and_users_reports_show_the_accounts(
    sandbox: Sandbox, store_url: str, tmp_path: Any
) -> None:
    """Active users per organisation type, never logged in, disabled, without contactpersoon: in the reports,
    equal to what the sandbox serves (counted here), with e-mail addresses masked."""
    truth = served(sandbox)
    env = env_for(sandbox, store_url, "admin")
    assert sync(env)[0] == 0
    days = int((datetime.now(UTC) - SINCE).days)  # the reports' "active" window reaches back to SINCE
    env["SWC_REPORTS__ACTIVE_DAYS"] = str(days)
    runner = CliRunner()
    for name in ("usage", "users"):
        done = runner.invoke(app, ["report", name, "--format", "json", "--out", str(tmp_path)], env=env,
                             catch_exceptions=False)  # fmt: skip
        assert done.exit_code == 0, done.stdout
    usage = json.loads((tmp_path / "usage.json").read_text(encoding="utf-8"))
    users = json.loads((tmp_path / "users.json").read_text(encoding="utf-8"))
    since = datetime.now(UTC) - timedelta(days=days)
    active = {k: v for k, v in expected_active(truth, since).items() if v}
    never = [u for u, d in truth.users.items() if d["lastLogin"] == 0]
    disabled = [u for u, d in truth.users.items() if d["enabled"] is False]
    assert usage["summary"]["active_users"]["value"] == sum(active.values())
    assert usage["summary"]["never_logged_in"]["value"] == len(never)
    (section,) = [s for s in usage["sections"] if s["key"] == "users"]
    (table,) = section["tables"]
    shown = {row["organisation_type"]: row["active_users"] for row in table["rows"]}
    assert shown == {(k if k else "(no contactpersoon)"): v for k, v in active.items()}
    assert users["summary"]["never_used"]["value"] == len(never)
    assert users["summary"]["disabled"]["value"] == len(disabled)
    (accounts,) = [s for s in users["sections"] if s["key"] == "accounts"]
    tables = {t["key"]: t for t in accounts["tables"]}
    assert len(tables["never_used"]["rows"]) == len(never)
    assert len(tables["disabled"]["rows"]) == len(disabled)
    addresses = {d["email"] for d in truth.users.values() if d.get("email")}
    text = json.dumps(users)
    assert not [a for a in addresses if a in text]  # masked unless SWC_REPORTS__SHOW_PERSONAL_DATA
