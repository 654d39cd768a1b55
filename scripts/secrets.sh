#!/usr/bin/env bash
# Source me: loads var/secrets.env, creating it with random values on first use. Never committed.
_secrets_file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/var/secrets.env"
# every secret the processes need; a key added later is appended to an existing file
# (XHA_PG_PASSWORD, XHA_REDIS_PASSWORD: the scaled deployment's PostgreSQL role and Redis, run_scaled.sh)
mkdir -p "$(dirname "$_secrets_file")"
(
  umask 077
  touch "$_secrets_file"
  for _key in XHA_WEB__INTERNAL_TOKEN XHA_WEB__METRICS_TOKEN XHA_WEB__SENDER_SALT XHA_SUSUBAN__SECRET \
              XHA_RASA__CHANNEL_TOKEN XHA_RASA__ACTION_TOKEN \
              XHA_PG_PASSWORD XHA_REDIS_PASSWORD; do
    grep -q "^$_key=" "$_secrets_file" || echo "$_key=$(openssl rand -hex 24)" >> "$_secrets_file"
  done
)
chmod 600 "$_secrets_file"
set -a
# shellcheck disable=SC1090
. "$_secrets_file"
set +a
