#!/usr/bin/env bash
# Source me: loads var/secrets.env, creating it with random values on first use. Never committed.
_secrets_file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/var/secrets.env"
if [ ! -f "$_secrets_file" ]; then
  mkdir -p "$(dirname "$_secrets_file")"
  umask 077
  {
    echo "XHA_WEB__INTERNAL_TOKEN=$(openssl rand -hex 24)"
    echo "XHA_WEB__ADMIN_TOKEN=$(openssl rand -hex 24)"
    echo "XHA_WEB__SENDER_SALT=$(openssl rand -hex 24)"
    echo "XHA_SUSUBAN__SECRET=$(openssl rand -hex 24)"
  } > "$_secrets_file"
fi
set -a
# shellcheck disable=SC1090
. "$_secrets_file"
set +a
