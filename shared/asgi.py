"""The pure ASGI middlewares' base (`HttpMiddleware`: HTTP requests only), and refusing a request part-way through its
body, for the ones that read bodies as they stream (`shared.app.BodyLimitMiddleware`,
`shared.input_guard.InputGuardMiddleware`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any


class HttpMiddleware(ABC):
    """A pure ASGI middleware that acts on HTTP requests only (`handle`): anything else (lifespan, websockets) goes
    to the app untouched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        """The middleware's own work on one HTTP request."""


Refusal = Callable[[Any, Any, Any], Awaitable[None]]
"""An ASGI response (a starlette Response) to answer in the app's stead."""


async def check_streamed_body(
    app: Any, scope: Any, receive: Any, send: Any, check: Callable[[bytes], Refusal | None]
) -> None:
    """Run `app` while `check` reads each chunk of the request body as the app receives it. The first refusal it
    returns is answered in the app's stead (unless the app has started answering already); the app then sees the
    client go away, and whatever it answers after that is swallowed."""
    started = refused = False

    async def checked_receive() -> Any:
        nonlocal refused
        message = await receive()
        if message["type"] != "http.request" or refused:
            return message
        refusal = check(message.get("body", b""))
        if refusal is None:
            return message
        refused = True
        if not started:
            await refusal(scope, receive, send)
        # The app sees the client go away; whatever it answers is swallowed below.
        return {"type": "http.disconnect"}

    async def guarded_send(message: Any) -> None:
        nonlocal started
        if refused:
            return
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    await app(scope, checked_receive, guarded_send)
