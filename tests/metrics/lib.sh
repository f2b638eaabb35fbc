#!/bin/bash
# Shared by the metrics tests (sourced): an fphintd with --metrics in its
# own pin directory, and a real Prometheus (Debian's package) on loopback
# scraping it every second, with fphint's console templates.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FPHINTD=${FPHINTD:-$TOP/build/bin/fphintd}
T=${0##*/}
PIN_DIR=/sys/fs/bpf/fphint-mtest-$$
WORK=$(mktemp -d /tmp/fphint-metrics-test.XXXXXX)
FAILS=0
AGENT_PID= PROM_PID=

cleanup() {
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -d "$PIN_DIR" ] && "$FPHINTD" --pin-dir "$PIN_DIR" --teardown >/dev/null 2>&1
	rm -rf "$WORK" 2>/dev/null
	true
}
trap cleanup EXIT

# shellcheck source=../lib/checks.sh
source "$TOP/tests/lib/checks.sh"

[ "$(id -u)" = 0 ] || { echo "$T: SKIP: needs root"; exit 77; }
[ -x "$FPHINTD" ] || die "$FPHINTD not built"

# A TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait until URL answers 200 (up to $2 seconds).
wait_http() {
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		mcurl -sf -o /dev/null "$1" && return 0
		sleep 0.2
	done
	return 1
}

# The module's statistics, served to fphintd by the fake /dev/fphint
# (fphint_fake_module.so: the host has no module support; the guest test
# tests/metrics/guest-test-metrics reads the real one).  Until this file
# exists, there is no module.  $1 scales every counter.
FAKE_MODULE=$TOP/build/tests/metrics/fphint_fake_module.so
write_module_stats() {
	local k=$1
	cat >"$WORK/module-stats.tmp" <<EOS
map_attached 1
rounds $((3 * k))
rounds_first $k
rounds_abandoned $((k - 1))
rounds_unmapped 0
pages_hinted $((250000 * k))
ranges_hinted $((40 * k))
candidates $((260000 * k))
candidates_rejected $((9000 * k))
batches $((40 * k))
max_lock_hold_ns 4200000
last_round_ns 180000000
last_round_pages 250000
total_round_ns $((500000000 * k))
slow_device_waits 0
inflated_pages 0
max_device_wait_ns 3100000
lock_hold_hist 0 $((10 * k)) $((20 * k)) $((10 * k)) 0 0 0 0
lock_hold_count $((40 * k))
lock_hold_sum_ns $((40000000 * k))
last_first_hint_ns 52000000
intx_resyncs $k
isolated_pages 0
max_isolated_pages 16384
stranded_pages 0
EOS
	mv "$WORK/module-stats.tmp" "$WORK/module-stats"
}

# curl with the endpoint's TLS and credentials, when start_agent set them.
CURL_OPTS=()
mcurl() {
	curl "${CURL_OPTS[@]}" "$@"
}

# fphintd with metrics on 127.0.0.1:$METRICS_PORT, reconciling every 2 s,
# the fake module preloaded.  WEB_CONFIG, when set, is its web config file
# (then set CURL_OPTS and SCHEME before calling).
start_agent() {
	METRICS_PORT=$(free_port)
	[ -e "$FAKE_MODULE" ] || die "$FAKE_MODULE not built"
	LD_PRELOAD=$FAKE_MODULE FPHINT_FAKE_STATS=$WORK/module-stats \
		"$FPHINTD" --pin-dir "$PIN_DIR" --reconcile-interval 2 --teardown-on-exit \
		--metrics "127.0.0.1:$METRICS_PORT" ${WEB_CONFIG:+--web-config-file "$WEB_CONFIG"} \
		>"$WORK/agent.log" 2>&1 &
	AGENT_PID=$!
	METRICS_URL=${SCHEME:-http}://127.0.0.1:$METRICS_PORT/metrics
	wait_http "$METRICS_URL" 30 || { cat "$WORK/agent.log"; die "agent metrics never answered"; }
}

# Prometheus on 127.0.0.1:$PROM_PORT scraping the agent every second;
# PROM_SCRAPE_EXTRA: more lines of its scrape job (scheme, tls_config, ...).
start_prometheus() {
	command -v prometheus >/dev/null || die "prometheus missing (make deps)"
	PROM_PORT=$(free_port)
	cat >"$WORK/prometheus.yml" <<EOS
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TOP/contrib/prometheus/fphint-alerts.yml
scrape_configs:
  - job_name: fphint
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
${PROM_SCRAPE_EXTRA:-}
EOS
	prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" \
		--web.console.templates="$TOP/contrib/prometheus/consoles" \
		--web.console.libraries="$TOP/contrib/prometheus/console_libraries" \
		>"$WORK/prometheus.log" 2>&1 &
	PROM_PID=$!
	PROM_URL=http://127.0.0.1:$PROM_PORT
	wait_http "$PROM_URL/-/ready" 60 || { tail -20 "$WORK/prometheus.log"; die "prometheus never got ready"; }
	# Two scrapes at least, so rate() has two points.
	python3 "$TOP/tests/metrics/prom_check.py" "$PROM_URL" wait-up ||
		{ tail -20 "$WORK/prometheus.log"; die "prometheus never scraped the agent"; }
}
