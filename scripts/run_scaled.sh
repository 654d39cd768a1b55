#!/usr/bin/env bash
# The scaled deployment on one machine (docs/deploy.md): PostgreSQL and Redis, N web, N Rasa and N action
# server replicas, HAProxy in front of each tier; all on 127.0.0.1. Waits until every replica is healthy,
# prints the URLs; Ctrl-C stops them all. A replica that dies is restarted after a second, like a
# supervisor would (systemd Restart=always; not while a file $SCALED_DIR/scaled/NAME.hold exists); the
# balancer's health checks take it out meanwhile.
#
# Environment (defaults in brackets):
#   SCALED_REPLICAS [2]  replicas of each tier (1 or 2: config/haproxy.cfg has two server slots per tier)
#   SCALED_DIR [var]     PostgreSQL in $SCALED_DIR/pg, Redis in $SCALED_DIR/redis, pid files and the
#                        balancer's socket in $SCALED_DIR/scaled
#   LB_WEB_PORT [web.port], LB_RASA_PORT [rasa.port], LB_ACTIONS_PORT [rasa.actions_port]: the balancer's
#                        frontends; replica i of a tier listens on frontend port + i
#   LB_STATS_PORT [8404], XHA_PG_PORT [5433], XHA_REDIS_PORT [6380], TICKET_LOCK_LIFETIME [15]
#   XHA_WEB__STORE       the app store [the PostgreSQL database xha]; any other XHA_… setting applies too
set -euo pipefail
. "$(dirname "$0")/lib.sh"

REPLICAS="${SCALED_REPLICAS:-2}"
[[ "$REPLICAS" == 1 || "$REPLICAS" == 2 ]] || { echo "SCALED_REPLICAS must be 1 or 2" >&2; exit 2; }
SCALED_DIR="${SCALED_DIR:-var}"
RUN_DIR="$SCALED_DIR/scaled"
export LB_WEB_PORT="${LB_WEB_PORT:-$WEB_PORT}" LB_RASA_PORT="${LB_RASA_PORT:-$RASA_PORT}"
export LB_ACTIONS_PORT="${LB_ACTIONS_PORT:-$RASA_ACTIONS_PORT}" LB_STATS_PORT="${LB_STATS_PORT:-8404}"
export XHA_PG_PORT="${XHA_PG_PORT:-5433}" XHA_REDIS_PORT="${XHA_REDIS_PORT:-6380}"
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
export LB_SOCKET="$(cd "$RUN_DIR" && pwd)/haproxy.sock"

for ((i = 1; i <= REPLICAS; i++)); do
  export "WEB${i}_PORT=$((LB_WEB_PORT + i))" "RASA${i}_PORT=$((LB_RASA_PORT + i))"
  export "ACTIONS${i}_PORT=$((LB_ACTIONS_PORT + i))"
done
for port in "$LB_WEB_PORT" "$LB_RASA_PORT" "$LB_ACTIONS_PORT" "$LB_STATS_PORT" \
            $(for ((i = 1; i <= REPLICAS; i++)); do echo $((LB_WEB_PORT + i)) $((LB_RASA_PORT + i)) $((LB_ACTIONS_PORT + i)); done); do
  if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use (make run? another run-scaled?); set LB_*_PORT to other ports" >&2; exit 1
  fi
done

if ! command -v haproxy >/dev/null; then  # Debian's package, like PostgreSQL and Redis (web/tools/services.py)
  [[ $(id -u) == 0 ]] || { echo "haproxy is not installed: run \`sudo apt-get install haproxy\`" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy
fi

echo "starting PostgreSQL (:$XHA_PG_PORT) and Redis (:$XHA_REDIS_PORT) with their data in $SCALED_DIR/…"
stop_hooks+=(".venv/bin/python -m web.tools.services stop pg '$SCALED_DIR/pg'"
             ".venv/bin/python -m web.tools.services stop redis '$SCALED_DIR/redis'")
# the passwords stay off command lines (ps shows those): the helper reads them from the environment
services=$(SCALED_DIR="$SCALED_DIR" .venv/bin/python - <<'PY'
import os

import psycopg

from web.tools import services

pw, d = os.environ["XHA_PG_PASSWORD"], os.environ["SCALED_DIR"]
app_url = services.start_postgres(f"{d}/pg", int(os.environ["XHA_PG_PORT"]), pw)
with psycopg.connect(app_url, autocommit=True) as conn:  # Rasa's trackers: a database of their own
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'rasa'").fetchone():
        conn.execute("CREATE DATABASE rasa")
redis = services.start_redis(f"{d}/redis", int(os.environ["XHA_REDIS_PORT"]), os.environ["XHA_REDIS_PASSWORD"])
print(f"APP_STORE_URL={app_url} TRACKER_URL={app_url.rsplit('/', 1)[0]}/rasa REDIS_URL={redis}")
PY
)
eval "$services"

# what every replica reads (config/settings.yaml keys as XHA_<SECTION>__<KEY>, see config/__init__.py)
export XHA_WEB__STORE="${XHA_WEB__STORE:-$APP_STORE_URL}"
export XHA_WEB__REDIS_URL="${XHA_WEB__REDIS_URL:-$REDIS_URL}"
export XHA_WEB__RASA_URL="http://127.0.0.1:$LB_RASA_PORT"          # the gateway → any Rasa replica
export XHA_ACTIONS__API_URL="http://127.0.0.1:$LB_WEB_PORT"        # actions → any web replica
export XHA_RASA__TRACKER_DB="$TRACKER_URL" RASA_TRACKER_DB="$TRACKER_URL"  # Rasa and tracker retention
export XHA_WEB__TRUSTED_PROXIES=127.0.0.1  # the client's address from HAProxy's X-Forwarded-For
export RASA_ACTIONS_PORT="$LB_ACTIONS_PORT"                        # Rasa → any action server
# a lock left by a Rasa replica that died frees the sender after this many seconds; above the gateway's
# chat timeout (10 s), so a live replica's turn is never overtaken by the sender's next message
export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-15}"
# the same settings (the secrets stay in var/secrets.env) for an operator's command-line tools
# (create-admin, make versions …; docs/deploy.md) and the scale test: `set -a; . $RUN_DIR/settings.env`
for var in $(compgen -e | grep '^XHA_'); do
  grep -q "^$var=" var/secrets.env || printf '%s=%q\n' "$var" "${!var}"
done > "$RUN_DIR/settings.env"

stopping="$RUN_DIR/stopping"
supervise() {  # name command… : run it, restart it a second after it exits, until we stop
  local name=$1; shift
  while [[ ! -e "$stopping" ]]; do
    "$@" >> "$LOG_DIR/$name.log" 2>&1 &
    echo $! > "$RUN_DIR/$name.pid"
    wait $! && rc=0 || rc=$?
    sleep 1  # Ctrl-C reaches the replicas too: by now the trap below has said we are stopping
    [[ -e "$stopping" ]] && break
    echo "$(date +%T) $name exited (status $rc); restarting it" | tee -a "$LOG_DIR/$name.log" >&2
    # an operator (or the scale test) keeps a replica down while $RUN_DIR/NAME.hold exists
    while [[ -e "$RUN_DIR/$name.hold" && ! -e "$stopping" ]]; do sleep 1; done
  done
}
scaled_stop() {
  touch "$stopping"
  for f in "$RUN_DIR"/*.pid; do
    if [[ -e "$f" ]]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  stop
  exit 0
}
trap scaled_stop INT TERM EXIT

echo "starting $REPLICAS web, $REPLICAS Rasa and $REPLICAS action-server replicas and HAProxy…"
for ((i = 1; i <= REPLICAS; i++)); do
  supervise "web$i" run_web $((LB_WEB_PORT + i)) &
  pids+=($!)
  supervise "actions$i" run_actions $((LB_ACTIONS_PORT + i)) &
  pids+=($!)
  supervise "rasa$i" run_rasa $((LB_RASA_PORT + i)) config/endpoints-scaled.yml &
  pids+=($!)
done
supervise haproxy haproxy -f config/haproxy.cfg -db &
pids+=($!)

for ((i = 1; i <= REPLICAS; i++)); do
  wait_for "web replica $i (:$((LB_WEB_PORT + i)))" "http://127.0.0.1:$((LB_WEB_PORT + i))/api/health" 120
done
for ((i = 1; i <= REPLICAS; i++)); do
  wait_for "action server $i (:$((LB_ACTIONS_PORT + i)))" "http://127.0.0.1:$((LB_ACTIONS_PORT + i))/health" 120
done
# two Rasa replicas load their models at once on a shared machine: minutes, not seconds
for ((i = 1; i <= REPLICAS; i++)); do
  wait_for "Rasa replica $i (:$((LB_RASA_PORT + i)))" "http://127.0.0.1:$((LB_RASA_PORT + i))/" 400
done
wait_for "load balancer" "http://127.0.0.1:$LB_WEB_PORT/api/health" 10

cat <<MSG

Ready ($REPLICAS replicas of each tier behind HAProxy):
  demo page + widget  http://127.0.0.1:$LB_WEB_PORT/
  agent console       http://127.0.0.1:$LB_WEB_PORT/agent
  admin console       http://127.0.0.1:$LB_WEB_PORT/admin        (first admin: see docs/deploy.md)
  chat gateway    POST http://127.0.0.1:$LB_WEB_PORT/api/chat
  health              http://127.0.0.1:$LB_WEB_PORT/api/health   (each replica: :$((LB_WEB_PORT + 1))$([[ $REPLICAS == 2 ]] && echo ", :$((LB_WEB_PORT + 2))")/api/health)
  balancer stats      http://127.0.0.1:$LB_STATS_PORT/           (runtime API: $LB_SOCKET)
  Rasa (internal)     http://127.0.0.1:$LB_RASA_PORT/  → :$((LB_RASA_PORT + 1))$([[ $REPLICAS == 2 ]] && echo ", :$((LB_RASA_PORT + 2))")
  actions (internal)  http://127.0.0.1:$LB_ACTIONS_PORT/health → :$((LB_ACTIONS_PORT + 1))$([[ $REPLICAS == 2 ]] && echo ", :$((LB_ACTIONS_PORT + 2))")
  PostgreSQL          127.0.0.1:$XHA_PG_PORT (databases xha: app store, rasa: trackers; data $SCALED_DIR/pg)
  Redis               127.0.0.1:$XHA_REDIS_PORT (db 0: web service, db 1: Rasa's lock store; data $SCALED_DIR/redis)
Passwords and tokens are in var/secrets.env; logs in $LOG_DIR/; pid files in $RUN_DIR/. Press Ctrl-C to stop.
MSG
wait
