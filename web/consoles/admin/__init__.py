"""The admin console's API, one module per console tab. Every route needs the admin role."""

from __future__ import annotations

from aiohttp import web

from web.consoles.admin import analytics, documents, faq, hittest, tickets, unanswered, users


def add_routes(app: web.Application) -> None:
    for tab in (faq, documents, hittest, unanswered, tickets, analytics, users):
        tab.add_routes(app)
