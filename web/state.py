"""Typed keys of the objects the application holds (aiohttp AppKey), in one place."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from index.live import LiveIndex
from web.store import AsyncStore
from web.susuban.client import Dispatcher
from web.susuban.routing import Routing

LIVE = web.AppKey("live", LiveIndex)
SETTINGS = web.AppKey("settings", dict)
STORE = web.AppKey("store", AsyncStore)
ROUTING = web.AppKey("routing", Routing)
DISPATCHER = web.AppKey("dispatcher", Any)  # Dispatcher | None (no 诉速办 endpoint configured)
CHAT = web.AppKey("chat", Any)
SEARCH_POOL = web.AppKey("search_pool", ThreadPoolExecutor)
PUBLISHER = web.AppKey("publisher", Any)  # web.consoles.publish.Publisher
SHARED = web.AppKey("shared", Any)  # web.shared.SharedState: limits, per-sender memory, events, locks

__all__ = ["LIVE", "SETTINGS", "STORE", "ROUTING", "DISPATCHER", "CHAT", "SEARCH_POOL", "PUBLISHER", "SHARED",
           "Dispatcher"]
