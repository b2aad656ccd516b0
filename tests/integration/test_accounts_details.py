"""AccountsClient.fetch_accounts against the sandbox over real HTTP: `cloud/users/details` in pages, each
account as the sandbox serves it to an admin's `cloud/users/{uid}` (read here with plain httpx)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.accounts import AccountsClient
from sandbox.catalogue import CatalogueState, build_accounts, create_app
from sandbox.datagen import Dataset
from sandbox.server import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

OCS = "/ocs/v2.php/cloud"
ADMIN = ("beheer", "sandbox-app-password")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server_url(sandbox_dataset: Dataset) -> Iterator[str]:
    state = CatalogueState(sandbox_dataset)
    with serve_in_thread(create_app(state, accounts=build_accounts(state))) as server:
        yield server.url


def served(url: str) -> dict[str, dict[str, Any]]:
    """Every account by uid, one `cloud/users/{uid}` request each, as an admin sees it."""
    headers, fmt = {"OCS-APIRequest": "true"}, {"format": "json"}
    with httpx.Client(base_url=url, auth=ADMIN, timeout=10) as http:
        uids = http.get(f"{OCS}/users", params=fmt, headers=headers).json()["ocs"]["data"]["users"]
        return {
            u: http.get(f"{OCS}/users/{u}", params=fmt, headers=headers).json()["ocs"]["data"] for u in uids
        }


@pytest.mark.parametrize("size", [7, None], ids=["pages-of-7", "one-full-page"])
async def test_every_account_comes_in_pages_as_its_own_lookup_shows_it(
    server_url: str, size: int | None
) -> None:
    truth = served(server_url)
    total = len(truth)
    page_size = size or total
    async with AccountsClient.connect(server_url, user=ADMIN[0], password=ADMIN[1]) as accounts:
        found = [a async for a in accounts.fetch_accounts(page_size=page_size)]
        requests = accounts.stats.requests
    assert [a.uid for a in found] == sorted(truth)
    assert total > 7 and requests == total // page_size + 1  # after a full last page: an empty one
    for account in found:
        user = truth[account.uid]
        assert (account.enabled, account.email, account.display_name) == (
            user["enabled"],
            user["email"],
            user["displayname"],
        )
        assert account.groups == tuple(user["groups"])
        assert (account.last_login is None) is (user["lastLogin"] == 0)
        if account.last_login is not None:
            assert int(account.last_login.timestamp() * 1000) == user["lastLogin"]
