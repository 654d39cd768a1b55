"""The aiohttp web service: knowledge API (and, as the product grows, chat gateway and consoles)."""
