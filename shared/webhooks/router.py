"""`webhooks_router(feed)`: the administrators' API of a service's webhook subscriptions, and `webhook_hooks(feed,
settings)`: the start-up and shut-down hooks that hold the secret box and run the delivery worker."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response

from shared.auth import CurrentPrincipal, Principal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageParamsDep
from shared.routes import creates
from shared.webhooks.config import WebhookSettings, decode_key
from shared.webhooks.schemas import (
    WebhookDeliveryRead,
    WebhookReplay,
    WebhookSecretRotation,
    WebhookSubscriptionCreate,
    WebhookSubscriptionCreated,
    WebhookSubscriptionRead,
)
from shared.webhooks.service import SecretBox, Subscriptions, WebhookFeed, require_admin
from shared.webhooks.worker import WebhookWorker

Hook = Callable[[FastAPI], Awaitable[None]]


async def _admin(principal: CurrentPrincipal) -> Principal:
    return require_admin(principal)


AdminPrincipal = Annotated[Principal, Depends(_admin)]


def webhook_hooks(feed: WebhookFeed, settings: WebhookSettings) -> tuple[Hook, Hook]:
    """Start-up: the secret box (`app.state.webhook_box`) and, when delivery is on, the worker
    (`app.state.webhook_worker`, built in tests too so they can drive `run_once`). Shut-down: the worker stops."""

    async def start(app: FastAPI) -> None:
        app.state.webhook_settings = settings
        app.state.webhook_box = box = SecretBox(decode_key(settings.webhook_secret_key.get_secret_value()))
        app.state.webhook_worker = worker = WebhookWorker(
            feed, settings, sessions=app.state.sessionmaker, engine=app.state.engine, box=box
        )
        if settings.webhook_delivery_active:
            worker.start()

    async def stop(app: FastAPI) -> None:
        await app.state.webhook_worker.stop()

    return start, stop


def _read(row: dict[str, Any]) -> WebhookSubscriptionRead:
    return WebhookSubscriptionRead.model_validate(row, from_attributes=False)


def webhooks_tag(feed: WebhookFeed) -> dict[str, str]:
    """The OpenAPI tag of `webhooks_router(feed)`'s operations."""
    return {
        "name": f"{feed.service}-webhooks",
        "description": "The same events pushed to departments' systems (administrators subscribe them; "
        "Standard Webhooks signatures, retries, a delivery log, replay).",
    }


def webhooks_router(feed: WebhookFeed) -> APIRouter:
    """`/api/v1/<service>-webhooks`: subscriptions of departments' systems to the service's events (administrators
    only), each with its delivery log and a replay from a feed cursor."""
    subscriptions = Subscriptions(feed)
    router = APIRouter(prefix=feed.prefix, tags=[f"{feed.service}-webhooks"])
    svc = feed.service.capitalize()
    for add_route in (_subscribe, _list, _read_one, _unsubscribe, _delivery_log, _replay, _pause, _resume, _rotate):
        add_route(router, svc, subscriptions)
    return router


def _subscribe(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    prefix = router.prefix

    @router.post(
        "",
        operation_id=f"create{svc}Webhook",
        **creates(403, 422),
        response_description="The subscription, with its signing secret shown this once; `Location` names it.",
    )
    async def create_webhook(
        request: Request,
        session: SessionDep,
        principal: AdminPrincipal,
        body: WebhookSubscriptionCreate,
        response: Response,
    ) -> WebhookSubscriptionCreated:
        """Subscribe a department's system to events of this service.

        The target must be on the service's allow-list, and the subscriber (its department and jurisdiction) must
        be one the event feed's rule lets follow the feed: it never receives what it could not poll. Deliveries
        are signed with a secret made here and returned in this answer only."""
        row, secret = await subscriptions.create(
            session,
            body=body,
            principal=principal,
            settings=request.app.state.webhook_settings,
            box=request.app.state.webhook_box,
        )
        response.headers["Location"] = f"{prefix}/{row['id']}"
        return WebhookSubscriptionCreated(**_read(row).model_dump(), secret=secret)


def _list(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.get(
        "",
        operation_id=f"list{svc}Webhooks",
        responses=problem_responses(400, 403, 422),
        response_description="A page of subscriptions, oldest first (secrets are never shown again).",
    )
    async def list_webhooks(
        session: SessionDep, principal: AdminPrincipal, params: PageParamsDep
    ) -> Page[WebhookSubscriptionRead]:
        """Every webhook subscription of this service, with where its deliveries have got."""
        items, next_cursor = await subscriptions.page(session, params)
        return Page(items=[_read(r) for r in items], next_cursor=next_cursor, limit=params.limit)


def _read_one(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.get(
        "/{subscription_id}",
        operation_id=f"get{svc}Webhook",
        responses=problem_responses(403, 404),
        response_description="The subscription and the state of its deliveries.",
    )
    async def get_webhook(
        session: SessionDep, principal: AdminPrincipal, subscription_id: uuid.UUID
    ) -> WebhookSubscriptionRead:
        """One webhook subscription: its position in the feed, failures at the event due, the next attempt."""
        return _read(await subscriptions.get(session, subscription_id))


def _unsubscribe(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.delete(
        "/{subscription_id}",
        status_code=204,
        operation_id=f"delete{svc}Webhook",
        responses=problem_responses(403, 404),
        response_description="Deleted, with its delivery log; nothing more is delivered.",
    )
    async def delete_webhook(session: SessionDep, principal: AdminPrincipal, subscription_id: uuid.UUID) -> None:
        """End a webhook subscription (the system can still follow the event feed by polling)."""
        await subscriptions.delete(session, subscription_id)


def _delivery_log(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.get(
        "/{subscription_id}/deliveries",
        operation_id=f"list{svc}WebhookDeliveries",
        responses=problem_responses(400, 403, 404, 422),
        response_description="A page of the delivery log, newest attempt first.",
    )
    async def list_webhook_deliveries(
        session: SessionDep, principal: AdminPrincipal, subscription_id: uuid.UUID, params: PageParamsDep
    ) -> Page[WebhookDeliveryRead]:
        """The delivery log of a subscription: each attempt's event, status code or error, and next attempt."""
        items, next_cursor = await subscriptions.deliveries(session, subscription_id, params)
        return Page(
            items=[WebhookDeliveryRead.model_validate(r) for r in items], next_cursor=next_cursor, limit=params.limit
        )


def _replay(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.post(
        "/{subscription_id}/replay",
        operation_id=f"replay{svc}Webhook",
        responses=problem_responses(400, 403, 404, 422),
        response_description="The subscription at its new position.",
    )
    async def replay_webhook(
        session: SessionDep, principal: AdminPrincipal, subscription_id: uuid.UUID, body: WebhookReplay
    ) -> WebhookSubscriptionRead:
        """Deliver again from a feed cursor: every event of the subscription's kinds after `after`, in order.

        Failures at the event that was due are forgotten and delivery resumes at once. The receiving system should
        drop events it has already processed (`webhook-id` is the same for every delivery of an event)."""
        return _read(await subscriptions.replay(session, subscription_id, body))


def _pause(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.post(
        "/{subscription_id}/pause",
        operation_id=f"pause{svc}Webhook",
        responses=problem_responses(403, 404),
        response_description="The subscription, paused.",
    )
    async def pause_webhook(
        session: SessionDep, principal: AdminPrincipal, subscription_id: uuid.UUID
    ) -> WebhookSubscriptionRead:
        """Hold a subscription's deliveries (its receiving system is being maintained, say).

        Nothing is lost: the subscription keeps its position in the feed, and on resume every event since is
        delivered in order. An attempt already under way when it is paused is delivered again after resuming
        (same `webhook-id`)."""
        return _read(await subscriptions.pause(session, subscription_id))


def _resume(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.post(
        "/{subscription_id}/resume",
        operation_id=f"resume{svc}Webhook",
        responses=problem_responses(403, 404),
        response_description="The subscription, delivering again.",
    )
    async def resume_webhook(
        session: SessionDep, principal: AdminPrincipal, subscription_id: uuid.UUID
    ) -> WebhookSubscriptionRead:
        """Resume a paused subscription: delivery goes on at once from where it stopped, in order."""
        return _read(await subscriptions.resume(session, subscription_id))


def _rotate(router: APIRouter, svc: str, subscriptions: Subscriptions) -> None:
    @router.post(
        "/{subscription_id}/rotate-secret",
        operation_id=f"rotate{svc}WebhookSecret",
        responses=problem_responses(403, 404, 422),
        response_description="The subscription with its new signing secret, shown this once.",
    )
    async def rotate_webhook_secret(
        request: Request,
        session: SessionDep,
        principal: AdminPrincipal,
        subscription_id: uuid.UUID,
        body: WebhookSecretRotation,
    ) -> WebhookSubscriptionCreated:
        """Give a subscription a new signing secret, with an overlap.

        During the overlap every delivery carries two signatures in `webhook-signature` (space-separated, as
        Standard Webhooks allows), one with each secret, so the receiving system verifies with either while it
        switches to the new one."""
        row, secret = await subscriptions.rotate_secret(session, subscription_id, body, request.app.state.webhook_box)
        return WebhookSubscriptionCreated(**_read(row).model_dump(), secret=secret)
