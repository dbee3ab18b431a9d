"""Small request helpers the API tests of several services share."""

from collections.abc import Callable, Iterable

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


async def listed_count(client: httpx.AsyncClient, url: str, token: str) -> int:
    """How many items the first page (up to 200) of the list at `url` holds for the holder of `token`."""
    response = await client.get(url, params={"limit": 200}, headers=bearer(token))
    assert response.status_code == 200
    return len(response.json()["items"])
