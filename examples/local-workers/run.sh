#!/bin/sh
# Runs the local-workers example: Prometheus (127.0.0.1:9191), homeostat with its API on 127.0.0.1:8080,
# and the load generator. Ctrl-C stops everything; homeostat stops every worker it started.
set -eu
cd "$(dirname "$0")"
ROOT=../..
if ! command -v prometheus >/dev/null 2>&1; then
  echo "local-workers needs Prometheus. On Debian or Ubuntu: sudo apt-get install prometheus prometheus-alertmanager" >&2
  echo "(or put a prometheus binary from https://prometheus.io/download/ on your PATH)" >&2
  exit 1
fi
LOADGEN=""
DATA=$(mktemp -d)
prometheus --config.file=prometheus.yml --storage.tsdb.path="$DATA" --web.listen-address=127.0.0.1:9191 >"$DATA/prometheus.log" 2>&1 &
PROM=$!
node "$ROOT/bin/homeostat.js" run workers.yaml --port 8080 &
HOMEOSTAT=$!
trap 'kill $LOADGEN $HOMEOSTAT $PROM 2>/dev/null; wait $HOMEOSTAT 2>/dev/null; rm -rf "$DATA"' INT TERM EXIT
sleep 5
node loadgen.mjs "$@" &
LOADGEN=$!
wait $HOMEOSTAT
