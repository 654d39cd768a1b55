# Sourced by scripts/run.sh and scripts/run_scaled.sh: what both need to start the product's processes
# the same way (one command line per process type, one health wait, one stop on Ctrl-C).
# shellcheck shell=bash
cd "$(dirname "${BASH_SOURCE[0]}")/.."
umask 077  # everything under var/ (store, index, spool, tracker, logs) is owner-only
. scripts/secrets.sh
LOG_DIR="${XHA_LOG_DIR:-var/log}"  # benchmarks and the scale test log elsewhere
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

pids=()
stop_hooks=()  # commands run after the processes are stopped (run_scaled.sh: PostgreSQL, Redis)
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for hook in "${stop_hooks[@]}"; do eval "$hook" || true; done
}
trap stop INT TERM EXIT

wait_for() {  # name url seconds
  local name=$1 url=$2 limit=$3 i
  for ((i = 0; i < limit * 2; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then echo "  ✓ $name is up"; return 0; fi
    sleep 0.5
  done
  echo "  ✗ $name did not become healthy within ${limit}s; see $LOG_DIR/" >&2
  return 1
}

# One command per process type; the caller sets the port and redirects the output. The settings of each
# come from the environment (XHA_…), so a replica differs from `make run` only in what the caller exports.

run_web() {  # port
  # The query embedder's OpenMP threads wait passively: the web service shares the cores with Rasa and the
  # action server, and a spinning thread whose partner was preempted turned 60 ms searches into 1.7 s ones
  # (p95 over the hard questions with two busy cores: 1664 ms spinning, 184 ms passive; idle: 64 vs 83 ms).
  OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" exec .venv/bin/python -m web --port "$1"
}

run_actions() {  # port
  # listens on 127.0.0.1 only and requires the action token from var/secrets.env
  exec .venv-rasa/bin/python -m actions.server --port "$1"
}

run_rasa() {  # port endpoints-file
  SANIC_REQUEST_MAX_SIZE=1048576 exec .venv-rasa/bin/python -m bot.rasa_main run -i 127.0.0.1 --port "$1" \
    --model "$MODEL" --endpoints "$2" --credentials config/credentials.yml
}
