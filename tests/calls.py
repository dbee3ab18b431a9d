"""Small request helpers the API tests of several services share."""

from collections.abc import Callable, Iterable
from typing import Any

import httpx


def bearer(token: str, **extra: str) -> dict[str, str]:
    """The Authorization header of `token`, with any `extra` headers."""
    return {"Authorization": f"Bearer {token}", **extra}


def employer_client(make_token: Callable[..., str], employer_id: str, scopes: Iterable[str]) -> dict[str, str]:
    """The headers of `employer_id`'s integration client (claim emp) holding `scopes`."""
    token = make_token(roles=["integration"], department=None, kind="client", scopes=list(scopes), emp=employer_id)
    return bearer(token)


def employer_clients(make_token: Callable[..., str], scopes: Iterable[str]) -> Callable[..., dict[str, str]]:
    """employer_client(employer_id, scopes=`scopes`) -> headers of that employer's integration client (claim emp)."""

    def headers(employer_id: str, scopes: Iterable[str] = scopes) -> dict[str, str]:
        return employer_client(make_token, employer_id, scopes)

    return headers


async def pages(
    client: httpx.AsyncClient, url: str, *, headers: dict[str, str], params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every page of the list at `url` (asked with `params`), following each page's next_cursor to the end."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        asked = (params or {}) | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, params=asked, headers=headers)
        assert response.status_code == 200, response.text
        found.append(response.json())
        cursor = found[-1]["next_cursor"]
        if cursor is None:
            return found


async def listed_count(client: httpx.AsyncClient, url: str, token: str) -> int:
    """How many items the first page (up to 200) of the list at `url` holds for the holder of `token`."""
    response = await client.get(url, params={"limit": 200}, headers=bearer(token))
    assert response.status_code == 200
    return len(response.json()["items"])
