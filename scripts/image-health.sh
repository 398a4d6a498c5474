#!/bin/sh
# `orc check` as the image's HEALTHCHECK runs it, against a real agent: run inside the image by
# scripts/build-image.sh (mounted read-only, no network). The emulator, a spreadsheet, `orc init`
# and one `orc run`; `orc check` for that WORKER_NAME fails before its first heartbeat and passes
# once the heartbeat is fresh. Prints one line per check; exits 0 when both behaved.
set -eu

port="${ORC_HEALTH_PORT:-8085}"
work="$(mktemp -d)"
export SHEETS_EMULATOR_HOST="127.0.0.1:$port"
export WORKER_NAME=image-health-1

orc emulator --port "$port" >"$work/emulator.log" 2>&1 &
emulator=$!
agent=""
stop() {
    [ -z "$agent" ] || { kill -TERM "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; }
    kill -TERM "$emulator" 2>/dev/null || true
    wait "$emulator" 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT

# The emulator is up when it answers; then a spreadsheet through the Sheets API's create.
SPREADSHEET_ID="$(python3 - "$SHEETS_EMULATOR_HOST" <<'PY'
import json
import sys
import time
import urllib.request

base = f"http://{sys.argv[1]}"
for _ in range(100):
    try:
        urllib.request.urlopen(f"{base}/_emulator/health", timeout=2).close()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(f"the emulator did not answer on {base}")
body = json.dumps({"properties": {"title": "image health"}}).encode()
request = urllib.request.Request(
    f"{base}/v4/spreadsheets", data=body, headers={"Content-Type": "application/json"}
)
with urllib.request.urlopen(request, timeout=10) as answer:
    print(json.load(answer)["spreadsheetId"])
PY
)" || { cat "$work/emulator.log" >&2; exit 1; }
export SPREADSHEET_ID
orc init --log-level ERROR >/dev/null

set +e
before="$(orc check 2>&1)"
before_code=$?
set -e
echo "orc check before the agent's first heartbeat: exit $before_code: $(printf '%s' "$before" | tail -n 1)"

orc run --log-format json >"$work/agent.log" 2>&1 &
agent=$!
tries=0
until after="$(orc check 2>&1)"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ] || ! kill -0 "$agent" 2>/dev/null; then
        echo "orc check never passed: $(printf '%s' "$after" | tail -n 1)" >&2
        tail -n 20 "$work/agent.log" >&2
        exit 1
    fi
    sleep 1
done
echo "orc check with the agent running: exit 0${after:+: $(printf '%s' "$after" | tail -n 1)}"
[ "$before_code" -ne 0 ] || { echo "orc check passed before any heartbeat" >&2; exit 1; }
