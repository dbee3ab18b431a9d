"""Small request helpers the API tests of several services share."""

import httpx


def bearer(token: str, **extra: str) -> dict[str, str]:
    """The Authorization header of `token`, with any `extra` headers."""
    return {"Authorization": f"Bearer {token}", **extra}


async def listed_count(client: httpx.AsyncClient, url: str, token: str) -> int:
    """How many items the first page (up to 200) of the list at `url` holds for the holder of `token`."""
    response = await client.get(url, params={"limit": 200}, headers=bearer(token))
    assert response.status_code == 200
    return len(response.json()["items"])
