#!/usr/bin/env bash
# Benchmark: the hub (Release) with a real local influxd, driven by firmware-sim's load mode. These
# machines vary 3x from day to day, so what counts are the ratios printed within one run. Phases:
#   fixed     FIXED_RATE (1 500) QoS 1 msg/s from FIXED_DEVICES (500): the hub's CPU per message and
#             PUBACK p50/p99, against Mosquitto carrying the same traffic to one subscriber on rp/#
#   inflight  INFLIGHT_DEVICES (4) devices with INFLIGHT_DEPTH (16) QoS 1 messages in flight each, as fast
#             as possible: messages/s
#   max       DEVICES (500) at RATE (0: as fast as possible), QoS 1 with INFLIGHT (4) in flight, then
#             QoS 0: messages/s, points landed in InfluxDB (counted there), latency, CPU, peak RSS
#   alerts    publish -> alertRaised at a signed-in desk client under each of ALERT_RATES (15 000 and
#             30 000) msg/s of QoS 0 background telemetry
#   rss       the hub's peak RSS with RSS_DEVICES (2 000) connected, reporting RSS_RATE (500) msg/s in all
# Every load runs WARMUP seconds (10) before DURATION measured seconds (30); rates and latencies cover
# only the measured window, and so does CPU (utime+stime from /proc/<pid>/stat), per message sent in it
# (QoS 1: each was acknowledged, so the broker took it), for QoS 0 per message the hub took in the window
# (its rp_hub_messages_total: what devices sent piles up in socket buffers); `backlog=a->b` shows whether
# a queue for InfluxDB grew meanwhile. Each phase starts a fresh hub (own data directory and InfluxDB
# database). BASELINE=<git rev> builds that revision in a temporary git worktree and runs each phase of
# BASELINE_PHASES (default: PHASES) against it and this checkout's hub in the order baseline, hub, hub,
# baseline (so a machine getting busier or quieter over the run does not favour either), with the same
# load generator (this checkout's); ratios are of the two runs' means. Mosquitto is Debian's 2.0,
# persistence off.
# Result lines start with FIXED, INFLIGHT, MAX, ALERTS or RSS (stdout); progress goes to stderr.
#   PHASES="fixed inflight max alerts rss" WARMUP=10 DURATION=30 BASELINE=main deploy/benchmark.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh
ensure_dotnet

phases=${PHASES:-fixed inflight max alerts rss}
for phase in $phases; do
  case $phase in fixed|inflight|max|alerts|rss) ;; *) echo "PHASES: unknown phase '$phase' (fixed inflight max alerts rss)" >&2; exit 2 ;; esac
done
baseline=${BASELINE:-}; baseline_phases=${BASELINE_PHASES:-$phases}
warmup=${WARMUP:-10}; duration=${DURATION:-30}
devices=${DEVICES:-500}; rate=${RATE:-0}; inflight=${INFLIGHT:-4}
fixed_rate=${FIXED_RATE:-1500}; fixed_devices=${FIXED_DEVICES:-500}
inflight_devices=${INFLIGHT_DEVICES:-4}; inflight_depth=${INFLIGHT_DEPTH:-16}
alert_rates=${ALERT_RATES:-${ALERT_RATE:-15000 30000}}
rss_devices=${RSS_DEVICES:-2000}; rss_rate=${RSS_RATE:-500}

packages=(influxdb curl python3)
[[ " $phases " == *" fixed "* ]] && packages+=(mosquitto mosquitto-clients)
ensure_packages "${packages[@]}"

work=$(mktemp -d /tmp/rp-bench.XXXXXX)
influx_pid=""; hub_pid=""; load_pid=""; mosq_pid=""; sub_pid=""; baseline_dir=""
cleanup() {
  for pid in "$load_pid" "$sub_pid" "$mosq_pid" "$hub_pid" "$influx_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
  if [ -n "$baseline_dir" ]; then git worktree remove --force "$baseline_dir" >/dev/null 2>&1 || true; git worktree prune; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Build servers would outlive the build and share the cores with what is measured.
build() { # project log
  dotnet build "$1" -c Release -v quiet -nologo --disable-build-servers >"$2" 2>&1 || { cat "$2" >&2; exit 1; }
}
build src/RedProperty.Iot.Hub "$work/build.log"
build firmware-sim/RedProperty.Iot.FirmwareSim "$work/build.log"
declare -A hub_dll=([hub]=src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll)
sim=(dotnet firmware-sim/RedProperty.Iot.FirmwareSim/bin/Release/net10.0/firmware-sim.dll)
if [ -n "$baseline" ]; then
  baseline_rev=$(git rev-parse --verify "$baseline^{commit}")
  baseline_dir="$work/baseline"
  git worktree add --detach "$baseline_dir" "$baseline_rev" >"$work/worktree.log" 2>&1 || { cat "$work/worktree.log" >&2; exit 1; }
  echo "building the baseline $baseline ($(git log -1 --format='%h %s' "$baseline_rev" | cut -c1-80))" >&2
  build "$baseline_dir/src/RedProperty.Iot.Hub" "$work/build-baseline.log"
  hub_dll[baseline]="$baseline_dir/src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll"
fi

# Which hubs a phase runs against, in order: with a baseline both, twice, the baseline first and last.
hubs_for() { if [ -n "$baseline" ] && [[ " $baseline_phases " == *" $1 "* ]]; then echo baseline hub hub baseline; else echo hub; fi; }
# Figures of a phase's runs: `note KEY VALUE` adds one, `mean KEY` is their mean, `ratio A B` of two means.
declare -A fig
note() { fig[$1]=$(awk -v a="${fig[$1]:-0}" -v b="$2" 'BEGIN {print a + b}'); fig[$1.n]=$(( ${fig[$1.n]:-0} + 1 )); }
mean() { awk -v a="${fig[$1]}" -v n="${fig[$1.n]}" 'BEGIN {print a / n}'; }
ratio() { figures ratio "$(mean "$1")" "$(mean "$2")"; }
runs() { [ "${fig[$1.n]:-0}" -gt 1 ] && echo " (means of ${fig[$1.n]} runs each)"; return 0; }

cat >"$work/figures.py" <<'PY'
import json, sys
command, args = sys.argv[1], sys.argv[2:]

def histogram(path):
    # Cumulative buckets by upper bound, summed over label sets. The journal's hub names the
    # histogram receive-to-influx; before it, receive-to-durable measured the same walk.
    lines = open(path).read().splitlines()
    for name in ("rp_hub_receive_to_influx_seconds_bucket", "rp_hub_receive_to_durable_seconds_bucket"):
        buckets = {}
        for line in lines:
            if line.startswith(name):
                le = line.split('le="')[1].split('"')[0]
                bound = float("inf") if le == "+Inf" else float(le)
                buckets[bound] = buckets.get(bound, 0) + float(line.rsplit(" ", 1)[1])
        if buckets:
            return buckets
    return {}

if command == "backlog":        # /healthz on stdin: points not yet in InfluxDB
    checks = json.load(sys.stdin)["checks"]
    influx = (checks.get("influxdb") or {}).get("data") or {}
    if "lagRecords" in influx:
        print(int(influx["lagRecords"]))
    else:
        spool = checks["spool"]["data"]
        print(int(spool["points"]) + int(spool["queuedPoints"]))
elif command == "count":        # InfluxQL count() result on stdin
    result = json.load(sys.stdin)["results"][0]
    print(sum(s["values"][0][1] for s in result.get("series", [])))
elif command == "latency":      # metrics at the window's start and end: quantiles of what was observed in between
    start, end = histogram(args[0]), histogram(args[1])
    delta = sorted((bound, n - start.get(bound, 0)) for bound, n in end.items())
    total = delta[-1][1] if delta else 0
    def q(p):
        return next((bound * 1000 for bound, n in delta if total and n >= p * total), 0)
    print(f"to_influx_p50<={q(0.5):g}ms to_influx_p99<={q(0.99):g}ms" if total else "to_influx_p50=- to_influx_p99=-")
elif command == "taken":        # metrics at the start and end: messages the hub took in between
    def messages(path):
        lines = [l for l in open(path).read().splitlines() if l.startswith("rp_hub_messages_total")]
        return sum(float(l.rsplit(" ", 1)[1]) for l in lines) if lines else None
    start, end = messages(args[0]), messages(args[1])
    print(round(end - start) if start is not None and end is not None else "")
elif command == "per_second":
    count, seconds = map(float, args)
    print(round(count / seconds) if seconds else 0)
elif command == "us":           # clock ticks before, after, ticks per second, messages: CPU µs per message
    before, after, hz, messages = map(float, args)
    print(round((after - before) / hz * 1e6 / max(messages, 1)))
elif command == "ratio":
    a, b = map(float, args)
    print(f"{a / b:.2f}" if b else "-")
PY
figures() { python3 "$work/figures.py" "$@"; }
field() { sed -nE "s/.*(^| )$1=([^ ]+).*/\2/p" <<<"$2"; }   # field NAME "k=v k=v ..."
ticks() { for pid in "$@"; do awk '{print $14+$15}' "/proc/$pid/stat"; done; }
hz=$(getconf CLK_TCK)
mb() { awk -v key="$2:" '$1 == key {printf "%.0f", $2/1024}' "/proc/$1/status"; }

influx_port=$(free_port)
start_influxd "$work/influxdb" "$influx_port" influx_pid
influx="http://127.0.0.1:$influx_port"

registry_for() { # devices -> a registry with that many devices, a quarter of each kind
  local per=$(( ($1 + 3) / 4 ))
  local path="$work/registry-$per.json"
  [ -f "$path" ] || "${sim[@]}" registry --site bench --per-kind "$per" --out "$path" >/dev/null
  echo "$path"
}

hub_count=0
start_hub() { # which registry -> hub_pid, hub_http, hub_mqtt, hub_db
  hub_count=$((hub_count + 1)); hub_db="bench$hub_count"
  curl -sf -XPOST "$influx/query" --data-urlencode "q=CREATE DATABASE $hub_db" >/dev/null
  hub_http=$(free_port); hub_mqtt=$(free_port)
  # Every device connects from loopback: the per-address limit must let RSS_DEVICES in.
  dotnet "${hub_dll[$1]}" --Http:Urls "http://127.0.0.1:$hub_http" --Mqtt:Port "$hub_mqtt" --Mqtt:BindAddress 127.0.0.1 \
    --Hub:DataDir "$work/hub$hub_count" --Hub:Registry "$2" --Hub:SecretHashIterations 10000 \
    --Mqtt:Limits:MaxConnectionsPerAddress 100000 --Mqtt:Limits:MaxConnections 100000 \
    --Staff:BootstrapAdmin:Username bench --Staff:BootstrapAdmin:Password bench-password \
    --Influx:Version 1 --Influx:Url "$influx" --Influx:Database "$hub_db" --Logging:LogLevel:Default Warning ${HUB_ARGS:-} \
    >"$work/hub$hub_count.log" 2>&1 &
  hub_pid=$!
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hub_http/healthz")" != 000 ] && return 0
    kill -0 "$hub_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "the $1 hub did not start:" >&2; cat "$work/hub$hub_count.log" >&2; exit 1
}
stop_hub() { kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; hub_pid=""; }

start_mosquitto() { # -> mosq_pid, mosq_port, and a QoS 1 subscriber on rp/# (sub_pid) whose CPU is not counted
  mosq_port=$(free_port)
  # As root, mosquitto would switch to its own user, which cannot read the benchmark's files: stay as the caller.
  cat >"$work/mosquitto.conf" <<CONF
user $(id -un)
listener $mosq_port 127.0.0.1
allow_anonymous true
persistence false
CONF
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  mosq_pid=$!
  for _ in $(seq 1 50); do
    mosquitto_pub -h 127.0.0.1 -p "$mosq_port" -t probe -m up >/dev/null 2>&1 && break
    kill -0 "$mosq_pid" 2>/dev/null || { cat "$work/mosquitto.log" >&2; exit 1; }
    sleep 0.1
  done
  mosquitto_sub -h 127.0.0.1 -p "$mosq_port" -i rp-bench-subscriber -q 1 -t 'rp/#' -F '%t' >"$work/subscriber.txt" 2>&1 &
  sub_pid=$!
}
stop_mosquitto() {
  sleep 1   # what the subscriber still has to receive
  kill "$sub_pid" "$mosq_pid" 2>/dev/null || true; wait "$sub_pid" "$mosq_pid" 2>/dev/null || true; sub_pid=""; mosq_pid=""
}

# firmware-sim load against the broker on port $1 (more options follow); at the MEASURE start and end
# lines samples the CPU of the processes in `watched` and, with `metrics_url`, the hub's metrics and
# backlog. Sets `result` (the RESULT line), `cpu_before` and `cpu_after` (clock ticks, per watched pid).
load_count=0
run_load() {
  local port=$1 fd line log
  shift
  load_count=$((load_count + 1)); log="$work/load$load_count.log"
  result=""; cpu_before=(); cpu_after=()
  exec {fd}< <(exec "${sim[@]}" load --broker "mqtt://127.0.0.1:$port" --warmup "$warmup" --duration "$duration" "$@" 2>&1)
  load_pid=$!
  while IFS= read -r -u "$fd" line; do
    echo "$line" >>"$log"; echo "  $line" >&2
    case $line in
      "MEASURE start"*)
        mapfile -t cpu_before < <(ticks "${watched[@]}")
        if [ -n "${metrics_url:-}" ]; then curl -s "$metrics_url" >"$work/metrics-start.txt"; backlog_start=$(backlog); fi ;;
      "MEASURE end"*)
        mapfile -t cpu_after < <(ticks "${watched[@]}")
        if [ -n "${metrics_url:-}" ]; then curl -s "$metrics_url" >"$work/metrics-end.txt"; backlog_end=$(backlog); fi ;;
      RESULT*) result=$line ;;
    esac
  done
  exec {fd}<&-
  wait "$load_pid" || true
  load_pid=""
  [ -n "$result" ] && [ ${#cpu_after[@]} -gt 0 ] || { echo "firmware-sim load gave no result:" >&2; tail -20 "$log" >&2; exit 1; }
}
# CPU µs per message of the i-th watched process over the measured window (default: per message sent).
cpu_us() { figures us "${cpu_before[$1]}" "${cpu_after[$1]}" "$hz" "${2:-$(field sent "$result")}"; }

backlog() { curl -s "http://127.0.0.1:$hub_http/healthz" | figures backlog 2>/dev/null || echo unknown; }
points_in_influx() {
  curl -sf -G "$influx/query?db=$hub_db" --data-urlencode 'q=SELECT count(seq) FROM camera,light,elevator,charger' | figures count
}
# Waits until the hub has nothing left for InfluxDB and InfluxDB's count stops growing; sets `landed`.
drain() {
  for _ in $(seq 1 1200); do [ "$(backlog)" = 0 ] && break; sleep 0.5; done
  landed=$(points_in_influx)
  for _ in $(seq 1 20); do
    sleep 0.5
    local again; again=$(points_in_influx)
    [ "$again" = "$landed" ] && break
    landed=$again
  done
}
# The hub's and influxd's CPU per message in the window (QoS $1; see the top), the hub's backlog for
# InfluxDB at the window's start and end, and its own receive-to-InfluxDB latency in the window (its
# histogram's bucket bounds); sets `hub_cpu`, `hub_rate` (for QoS 0 what the hub took, per second) and
# `hub_figures`.
hub_window() {
  local taken=""
  [ "$1" = 0 ] && taken=$(figures taken "$work/metrics-start.txt" "$work/metrics-end.txt")
  hub_cpu=$(cpu_us 0 "$taken")
  hub_rate=$(field rate "$result" | tr -d /s)
  [ -n "$taken" ] && hub_rate=$(figures per_second "$taken" "$(field seconds "$result")")
  hub_figures="cpu=${hub_cpu}µs/msg influxd=$(cpu_us 1 "$taken")µs/msg${taken:+ taken=$taken taken_rate=$hub_rate/s} backlog=$backlog_start->$backlog_end $(figures latency "$work/metrics-start.txt" "$work/metrics-end.txt")"
}
# The RESULT line's measured figures, as the phases print them (with PUBACK latency for QoS 1).
measured() {
  echo -n "rate=$(field rate "$result") sent=$(field sent "$result") failed=$(field failed "$result")"
  if [ "$1" = 1 ]; then echo " puback_p50=$(field p50 "$result") puback_p99=$(field p99 "$result")"; else echo; fi
}

echo "$(nproc) cores, influxd $influx, ${warmup}s warm-up + ${duration}s measured per load, phases: $phases${baseline:+; baseline $baseline ($baseline_rev) for: $baseline_phases}"

phase_fixed() {
  local registry; registry=$(registry_for "$fixed_devices")
  local args=(--registry "$registry" --devices "$fixed_devices" --rate "$fixed_rate" --qos 1 --inflight 4)
  start_mosquitto
  watched=("$mosq_pid"); metrics_url=""
  run_load "$mosq_port" "${args[@]}"
  stop_mosquitto
  note fixed.mosquitto.cpu "$(cpu_us 0)"; note fixed.mosquitto.p99 "$(field p99 "$result" | tr -d ms)"
  echo "FIXED mosquitto $(measured 1) cpu=$(cpu_us 0)µs/msg delivered=$(grep -c /telemetry "$work/subscriber.txt" || true) of $(field total_sent "$result") (persistence off, 1 subscriber on rp/# at QoS 1)"
  for which in $(hubs_for fixed); do
    start_hub "$which" "$registry"
    watched=("$hub_pid" "$influx_pid"); metrics_url="http://127.0.0.1:$hub_http/metrics"
    run_load "$hub_mqtt" "${args[@]}"
    drain; hub_window 1
    note "fixed.$which.cpu" "$hub_cpu"; note "fixed.$which.p99" "$(field p99 "$result" | tr -d ms)"
    echo "FIXED $which $(measured 1) $hub_figures landed=$landed of $(field total_sent "$result")"
    stop_hub
  done
  for which in $(hubs_for fixed | tr ' ' '\n' | sort -ru); do
    echo "FIXED ratio $which/mosquitto cpu=$(ratio "fixed.$which.cpu" fixed.mosquitto.cpu)x puback_p99=$(ratio "fixed.$which.p99" fixed.mosquitto.p99)x$(runs "fixed.$which.cpu")"
  done
  [ -n "${fig[fixed.baseline.cpu]:-}" ] && echo "FIXED ratio hub/baseline cpu=$(ratio fixed.hub.cpu fixed.baseline.cpu)x puback_p99=$(ratio fixed.hub.p99 fixed.baseline.p99)x$(runs fixed.hub.cpu)"
  return 0
}

phase_inflight() {
  local registry; registry=$(registry_for "$devices")
  for which in $(hubs_for inflight); do
    start_hub "$which" "$registry"
    watched=("$hub_pid" "$influx_pid"); metrics_url="http://127.0.0.1:$hub_http/metrics"
    run_load "$hub_mqtt" --registry "$registry" --devices "$inflight_devices" --rate 0 --qos 1 --inflight "$inflight_depth"
    drain; hub_window 1
    note "inflight.$which.rate" "$hub_rate"
    echo "INFLIGHT $which devices=$inflight_devices inflight=$inflight_depth $(measured 1) $hub_figures landed=$landed of $(field total_sent "$result")"
    stop_hub
  done
  [ -n "${fig[inflight.baseline.rate]:-}" ] && echo "INFLIGHT ratio hub/baseline rate=$(ratio inflight.hub.rate inflight.baseline.rate)x$(runs inflight.hub.rate)"
  return 0
}

phase_max() {
  local registry; registry=$(registry_for "$devices")
  for which in $(hubs_for max); do
    start_hub "$which" "$registry"
    watched=("$hub_pid" "$influx_pid"); metrics_url="http://127.0.0.1:$hub_http/metrics"
    for qos in 1 0; do
      local before; before=$(points_in_influx)
      run_load "$hub_mqtt" --registry "$registry" --devices "$devices" --rate "$rate" --qos "$qos" --inflight "$inflight"
      drain; hub_window "$qos"
      local total; total=$(field total_sent "$result")
      note "max.$which.$qos.rate" "$hub_rate"; note "max.$which.$qos.cpu" "$hub_cpu"
      echo "MAX $which qos=$qos devices=$devices inflight=$inflight $(measured "$qos") $hub_figures landed=$((landed - before)) of $total lost=$((total - landed + before)) peak_rss=$(mb "$hub_pid" VmHWM)MB"
    done
    stop_hub
  done
  if [ -n "${fig[max.baseline.1.rate]:-}" ]; then
    for qos in 1 0; do
      echo "MAX ratio hub/baseline qos=$qos rate=$(ratio "max.hub.$qos.rate" "max.baseline.$qos.rate")x cpu=$(ratio "max.hub.$qos.cpu" "max.baseline.$qos.cpu")x$(runs "max.hub.$qos.rate")"
    done
  fi
  return 0
}

# 100 cameras raise camera_tamper one after another while DEVICES devices send QoS 0 telemetry; a fresh
# hub per rate, since an open alert is not raised again.
phase_alerts() {
  local registry; registry=$(registry_for "$devices")
  for which in $(hubs_for alerts); do
    for alert_rate in $alert_rates; do
      start_hub "$which" "$registry"
      "${sim[@]}" load --registry "$registry" --broker "mqtt://127.0.0.1:$hub_mqtt" \
        --devices "$devices" --duration 40 --rate "$alert_rate" --qos 0 >"$work/background.log" 2>&1 &
      load_pid=$!
      sleep 10
      local alerts
      alerts=$("${sim[@]}" alert-latency --registry "$registry" --broker "mqtt://127.0.0.1:$hub_mqtt" \
        --hub "http://127.0.0.1:$hub_http" --username bench --password bench-password --count 100 --spacing-ms 150 | grep '^ALERTS' || true)
      wait "$load_pid" || true; load_pid=""
      local background; background=$(grep '^RESULT' "$work/background.log" || true)
      echo "ALERTS $which background=${alert_rate}/s ${alerts#ALERTS } (background achieved $(field rate "$background"), sent=$(field sent "$background")) peak_rss=$(mb "$hub_pid" VmHWM)MB"
      stop_hub
    done
  done
}

phase_rss() {
  local registry; registry=$(registry_for "$rss_devices")
  for which in $(hubs_for rss); do
    start_hub "$which" "$registry"
    local at_start; at_start=$(mb "$hub_pid" VmHWM)
    watched=("$hub_pid" "$influx_pid"); metrics_url="http://127.0.0.1:$hub_http/metrics"
    run_load "$hub_mqtt" --registry "$registry" --devices "$rss_devices" --rate "$rss_rate" --qos 1 --inflight 4
    drain; hub_window 1
    local connected; connected=$(sed -nE 's/^connected ([0-9]+) of.*/\1/p' "$work/load$load_count.log")
    local peak; peak=$(mb "$hub_pid" VmHWM)
    note "rss.$which" "$peak"
    echo "RSS $which devices=$connected of $rss_devices $(measured 1) peak_rss=${peak}MB (${at_start}MB after start) rss_now=$(mb "$hub_pid" VmRSS)MB $hub_figures landed=$landed of $(field total_sent "$result")"
    stop_hub
  done
  [ -n "${fig[rss.baseline]:-}" ] && echo "RSS ratio hub/baseline peak_rss=$(ratio rss.hub rss.baseline)x$(runs rss.hub)"
  return 0
}

for phase in $phases; do
  echo "== $phase" >&2
  "phase_$phase"
done
