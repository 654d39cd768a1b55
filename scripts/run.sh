#!/usr/bin/env bash
# Start every process on localhost, wait until each is healthy, print the URLs; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log
WEB_HOST=${XHA_WEB__HOST:-127.0.0.1}
WEB_PORT=${XHA_WEB__PORT:-8000}
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
  echo "  ✗ $name did not become healthy within ${limit}s; see var/log/" >&2
  return 1
}

echo "starting web service (knowledge API)…"
.venv/bin/python -m web --host "$WEB_HOST" --port "$WEB_PORT" > var/log/web.log 2>&1 &
pids+=($!)
wait_for "web service" "http://$WEB_HOST:$WEB_PORT/api/health" 60

cat <<MSG

Ready:
  knowledge API   http://$WEB_HOST:$WEB_PORT/api/health
                  POST http://$WEB_HOST:$WEB_PORT/api/search  {"q": "出口退税要多久", "k": 3}
Logs in var/log/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "a process exited; see var/log/" >&2
