"""Webhook subscriptions to a service's events (issue 12, "Push, not only poll"), built once for every service
that has an event feed: `WebhookFeed` names the service's outbox, tables and feed rule; `webhooks_router` is the
administrators' API; `webhook_hooks` runs the delivery worker (shared.webhooks.worker says how delivery works).

A service mounts it with its own tables (`webhook_tables(Base.metadata)` and a migration), its Settings inheriting
`WebhookSettings` (`<SVC>_WEBHOOK_ALLOWED_HOSTS`, `<SVC>_WEBHOOK_SECRET_KEY`, ...)."""

from shared.webhooks.config import WebhookSettings
from shared.webhooks.router import webhook_hooks, webhooks_router, webhooks_tag
from shared.webhooks.service import WebhookFeed, event_feed
from shared.webhooks.tables import WebhookTables, webhook_tables

__all__ = [
    "WebhookFeed",
    "WebhookSettings",
    "WebhookTables",
    "event_feed",
    "webhook_hooks",
    "webhook_tables",
    "webhooks_router",
    "webhooks_tag",
]
