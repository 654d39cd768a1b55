"""Create console users from the command line (the first admin can only be made this way).

    python -m web.consoles.users create-admin NAME      # asks for the password twice
    python -m web.consoles.users create NAME --role agent [--password-stdin] [--display-name 张三]

--display-name is what citizens see when this person takes a conversation (default: a staff number).
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys

from config import load_settings
from web.consoles.auth import ROLES, hash_password, validate_display_name, validate_password
from web.http import BadRequest
from web.store import Store

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,50}$")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码: ")
    if first != getpass.getpass("再次输入密码: "):
        raise SystemExit("两次输入的密码不一致")
    return first


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("create-admin")
    a.add_argument("username")
    a.add_argument("--password-stdin", action="store_true")
    a.add_argument("--display-name", default="")
    c = sub.add_parser("create")
    c.add_argument("username")
    c.add_argument("--role", choices=ROLES, required=True)
    c.add_argument("--password-stdin", action="store_true")
    c.add_argument("--display-name", default="")
    args = ap.parse_args(argv)
    if not USERNAME_RE.match(args.username):
        print("用户名为 3-50 位字母、数字或 _ . -", file=sys.stderr)
        return 2
    store = Store(load_settings()["web"]["store"])  # a SQLite path or a postgresql:// URL
    if store.accounts.user(args.username):
        print(f"用户 {args.username} 已存在", file=sys.stderr)
        return 2
    try:
        display_name = validate_display_name(args.display_name, args.username,
                                              [u["username"] for u in store.accounts.users()])
    except BadRequest as exc:
        print(exc, file=sys.stderr)
        return 2
    password = read_password(args.password_stdin)
    try:
        validate_password(password)
    except BadRequest as exc:
        print(exc, file=sys.stderr)
        return 2
    role = "admin" if args.cmd == "create-admin" else args.role
    store.accounts.create_user(args.username, hash_password(password), role, display_name)
    store.logs.audit("cli", "create_user", args.username, role)
    print(f"created {role} {args.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
