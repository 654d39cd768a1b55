#!/usr/bin/env bash
# Start every process on localhost, wait until each is healthy, print the URLs; Ctrl-C stops them all.
# (`make run-scaled`, scripts/run_scaled.sh, starts replicas of each behind a load balancer.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export RASA_ACTIONS_PORT RASA_TRACKER_DB

echo "starting web service, action server and Rasa server…"
run_web "$WEB_PORT" > "$LOG_DIR/web.log" 2>&1 &
pids+=($!)
run_actions "$RASA_ACTIONS_PORT" > "$LOG_DIR/actions.log" 2>&1 &
pids+=($!)
run_rasa "$RASA_PORT" config/endpoints.yml > "$LOG_DIR/rasa.log" 2>&1 &
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
