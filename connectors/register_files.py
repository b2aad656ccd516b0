"""The municipality register in our own layout (four CSV files) served over HTTP: download them as bytes.

`{base_url}/gemeenten.csv`, `{base_url}/herindelingen.csv`, ... Reading and validating them is
`reconcile.register`'s job; this module only fetches, and maps every HTTP failure to a ConnectorError.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from connectors.http import USER_AGENT, error_from_response, map_http_errors

__all__ = ["SERVICE", "download_register_files"]

SERVICE = "register"


def download_register_files(
    base_url: str,
    names: Sequence[str],
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> dict[str, bytes]:
    """name -> body of each of `names` under `base_url`, all or nothing.

    Raises ConnectorError subclasses only: NotFound naming the file for a 404, AuthFailed for 401/403,
    RemoteUnavailable for 5xx, timeouts and connection failures; any other non-200 answer is refused.
    """
    base = base_url.rstrip("/")
    found: dict[str, bytes] = {}
    with (
        map_http_errors(SERVICE),
        httpx.Client(
            timeout=timeout, transport=transport, headers={"User-Agent": USER_AGENT}, follow_redirects=True
        ) as client,
    ):
        for name in names:
            response = client.get(f"{base}/{name}")
            if response.status_code != 200:
                raise error_from_response(response, SERVICE, not_found=f"register file {name}")
            found[name] = response.content
    return found
