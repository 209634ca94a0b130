#!/bin/sh
# Runs the local-workers example: Prometheus (127.0.0.1:9191), Alertmanager (127.0.0.1:9193), the pager
# (127.0.0.1:9194), homeostat with its API on 127.0.0.1:8080, and the load generator (arguments go to it,
# e.g. --peak 250 to overload the group and get paged). Ctrl-C stops everything; homeostat stops every
# worker it started.
set -eu
cd "$(dirname "$0")"
ROOT=../..
missing=""
command -v prometheus >/dev/null 2>&1 || missing="prometheus"
command -v prometheus-alertmanager >/dev/null 2>&1 || missing="$missing prometheus-alertmanager"
if [ -n "$missing" ]; then
  echo "local-workers needs Prometheus and Alertmanager; missing:$missing." >&2
  echo "On Debian or Ubuntu: sudo apt-get install prometheus prometheus-alertmanager" >&2
  echo "(or put the prometheus and alertmanager binaries from https://prometheus.io/download/ on your PATH;" >&2
  echo " name the latter prometheus-alertmanager, or link it so)" >&2
  exit 1
fi
LOADGEN=""
DATA=$(mktemp -d)
# the webhook's bearer token: a fresh one per run, shared by Alertmanager and homeostat through a file
od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$DATA/alertmanager-token"
cp alertmanager.yml "$DATA/alertmanager.yml"
prometheus --config.file=prometheus.yml --storage.tsdb.path="$DATA/prometheus" --web.listen-address=127.0.0.1:9191 >"$DATA/prometheus.log" 2>&1 &
PROM=$!
prometheus-alertmanager --config.file="$DATA/alertmanager.yml" --storage.path="$DATA/alertmanager" --web.listen-address=127.0.0.1:9193 --cluster.listen-address= >"$DATA/alertmanager.log" 2>&1 &
ALERTMANAGER=$!
node pager.mjs &
PAGER=$!
HOMEOSTAT_ALERTMANAGER_TOKEN_FILE="$DATA/alertmanager-token" node "$ROOT/bin/homeostat.js" run workers.yaml --port 8080 &
HOMEOSTAT=$!
trap 'kill $LOADGEN $HOMEOSTAT $PAGER $ALERTMANAGER $PROM 2>/dev/null; wait $HOMEOSTAT 2>/dev/null; rm -rf "$DATA"' INT TERM EXIT
sleep 5
node loadgen.mjs "$@" &
LOADGEN=$!
wait $HOMEOSTAT
