"""Run the web service: python -m web [--host H] [--port P]."""

from __future__ import annotations

import argparse
import logging
import os

from aiohttp import web

from config import load_settings
from web.app import create_app


def main() -> None:
    os.umask(0o077)  # the store, index versions, uploads under var/: owner-only
    settings = load_settings()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default=settings["web"]["host"])
    ap.add_argument("--port", type=int, default=settings["web"]["port"])
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
