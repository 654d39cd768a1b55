#!/usr/bin/env bash
# Start every process on localhost, wait until each is healthy, print the URLs; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077  # everything under var/ (store, index, spool, tracker, logs) is owner-only
. scripts/secrets.sh
LOG_DIR="${XHA_LOG_DIR:-var/log}"  # benchmarks that start their own stack log elsewhere
mkdir -p "$LOG_DIR" var/rasa
export RASA_TELEMETRY_ENABLED=false
eval "$(.venv/bin/python - <<'PY'
from config import load_settings, resolve_path
s = load_settings()
print(f"WEB_HOST={s['web']['host']} WEB_PORT={s['web']['port']}")
print(f"RASA_PORT={s['rasa']['port']} RASA_ACTIONS_PORT={s['rasa']['actions_port']}")
print(f"RASA_TRACKER_DB={resolve_path(s['rasa']['tracker_db'])}")
print(f"MODEL={resolve_path(s['rasa']['model_dir'])}/assistant.tar.gz")
PY
)"
export RASA_ACTIONS_PORT RASA_TRACKER_DB
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

wait_for() {  # name url seconds
  local name=$1 url=$2 limit=$3
  for ((i = 0; i < limit * 2; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then echo "  ✓ $name is up"; return 0; fi
    sleep 0.5
  done
  echo "  ✗ $name did not become healthy within ${limit}s; see $LOG_DIR/" >&2
  return 1
}

echo "starting web service, action server and Rasa server…"
# The query embedder's OpenMP threads wait passively: the web service shares the cores with Rasa and the
# action server, and a spinning thread whose partner was preempted turned 60 ms searches into 1.7 s ones
# (p95 over the hard questions with two busy cores: 1664 ms spinning, 184 ms passive; idle: 64 vs 83 ms).
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" .venv/bin/python -m web > "$LOG_DIR/web.log" 2>&1 &
pids+=($!)
# both internal services listen on 127.0.0.1 only and require the shared tokens from var/secrets.env
.venv-rasa/bin/python -m actions.server --port "$RASA_ACTIONS_PORT" > "$LOG_DIR/actions.log" 2>&1 &
pids+=($!)
SANIC_REQUEST_MAX_SIZE=1048576 .venv-rasa/bin/python -m bot.rasa_main run -i 127.0.0.1 --port "$RASA_PORT" --model "$MODEL" --endpoints config/endpoints.yml \
  --credentials config/credentials.yml > "$LOG_DIR/rasa.log" 2>&1 &
pids+=($!)
wait_for "web service" "http://$WEB_HOST:$WEB_PORT/api/health" 60
wait_for "action server" "http://127.0.0.1:$RASA_ACTIONS_PORT/health" 120
wait_for "Rasa server" "http://127.0.0.1:$RASA_PORT/" 180

cat <<MSG

Ready:
  demo page + widget  http://$WEB_HOST:$WEB_PORT/             (embed: <script src="http://$WEB_HOST:$WEB_PORT/widget.js"></script>)
  agent console       http://$WEB_HOST:$WEB_PORT/agent
  admin console       http://$WEB_HOST:$WEB_PORT/admin        (first admin: .venv/bin/python -m web.consoles.users create-admin NAME)
  chat gateway    POST http://$WEB_HOST:$WEB_PORT/api/chat    {"sender": "u1", "message": "企业注销要跑几个部门"}
  knowledge API   POST http://$WEB_HOST:$WEB_PORT/api/search  {"q": "出口退税要多久", "k": 3}
                  GET  http://$WEB_HOST:$WEB_PORT/api/health
  Rasa server     http://127.0.0.1:$RASA_PORT/            (gateway channel /webhooks/gateway/webhook, X-Channel-Token)
  action server   http://127.0.0.1:$RASA_ACTIONS_PORT/health
Secrets (internal, metrics (read-only /api/metrics), Rasa channel and action tokens) are in var/secrets.env.
Logs in $LOG_DIR/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "a process exited; see $LOG_DIR/" >&2
