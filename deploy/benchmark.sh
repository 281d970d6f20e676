#!/usr/bin/env bash
# Benchmark: the hub (Release) with a real local influxd, driven by firmware-sim's load mode.
# Prints, for QoS 1 and QoS 0: messages/s accepted, points/s landed in InfluxDB (counted there),
# publish-to-InfluxDB latency p50/p99 and the hub's peak RSS.
#   DEVICES=500 DURATION=30 RATE=0 INFLIGHT=4 deploy/benchmark.sh      (RATE=0: as fast as possible)
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh
ensure_dotnet
ensure_packages influxdb curl python3

devices=${DEVICES:-500}; duration=${DURATION:-30}; rate=${RATE:-0}; inflight=${INFLIGHT:-4}
work=$(mktemp -d /tmp/rp-bench.XXXXXX)
pids=()
cleanup() { for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build RedProperty.Iot.sln -c Release -v quiet -nologo >/dev/null
hub_dll=src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll
sim_dll=firmware-sim/RedProperty.Iot.FirmwareSim/bin/Release/net10.0/firmware-sim.dll

influx_port=$(free_port)
pids+=("$(start_influxd "$work/influxdb" "$influx_port")")
influx="http://127.0.0.1:$influx_port"
curl -sf -XPOST "$influx/query" --data-urlencode 'q=CREATE DATABASE bench' >/dev/null

dotnet "$sim_dll" registry --site bench --per-kind $(( (devices + 3) / 4 )) --out "$work/registry.json" >/dev/null
http_port=$(free_port); mqtt_port=$(free_port)
dotnet "$hub_dll" --Http:Urls "http://127.0.0.1:$http_port" --Mqtt:Port "$mqtt_port" --Mqtt:BindAddress 127.0.0.1 \
  --Hub:DataDir "$work/data" --Hub:Registry "$work/registry.json" --Hub:SecretHashIterations 10000 \
  --Staff:BootstrapAdmin:Username bench --Staff:BootstrapAdmin:Password bench-password \
  --Influx:Version 1 --Influx:Url "$influx" --Influx:Database bench --Logging:LogLevel:Default Warning ${HUB_ARGS:-} >"$work/hub.log" 2>&1 &
hub_pid=$!; pids+=("$hub_pid")
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

points_in_influx() {
  curl -sf -G "$influx/query?db=bench" --data-urlencode 'q=SELECT count(seq) FROM camera,light,elevator,charger' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(sum(s["values"][0][1] for s in r.get("series",[])))'
}

backlog() {
  curl -sf "http://127.0.0.1:$http_port/healthz" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin)["checks"]["spool"]["data"]; print(d["points"]+d["queuedPoints"])'
}

# Quantiles of the hub's receive-to-durable histogram (for QoS 0, which has no acknowledgement to time).
hub_latency() {
  curl -sf "http://127.0.0.1:$http_port/metrics" | python3 -c '
import sys
buckets=[]
for line in sys.stdin:
    if line.startswith("rp_hub_receive_to_durable_seconds_bucket"):
        le=line.split("le=\"")[1].split("\"")[0]; n=float(line.rsplit(" ",1)[1])
        buckets.append((float("inf") if le=="+Inf" else float(le), n))
total=buckets[-1][1] if buckets else 0
def q(p):
    for le,n in buckets:
        if total and n>=p*total: return le*1000
    return 0
print(f"p50<={q(0.5):.1f}ms p99<={q(0.99):.1f}ms (hub receive-to-durable, bucket bounds)")'
}

cpu_seconds() { awk '{printf "%.2f", ($14+$15)/100}' "/proc/$1/stat"; }
influx_pid=${pids[0]}
echo "hub pid $hub_pid, influxd $influx, $devices devices, ${duration}s per run, rate ${rate:-max}, inflight $inflight"
for qos in 1 0; do
  before=$(points_in_influx)
  hub_cpu_before=$(cpu_seconds "$hub_pid"); influx_cpu_before=$(cpu_seconds "$influx_pid")
  out=$(dotnet "$sim_dll" load --registry "$work/registry.json" --broker "mqtt://127.0.0.1:$mqtt_port" \
        --devices "$devices" --duration "$duration" --rate "$rate" --qos "$qos" --inflight "$inflight" | tee >(cat >&2) | grep '^RESULT')
  for _ in $(seq 1 600); do [ "$(backlog)" = "0" ] && break; sleep 0.5; done
  after=$(points_in_influx)
  hub_cpu=$(python3 -c "print(round($(cpu_seconds "$hub_pid") - $hub_cpu_before, 1))")
  influx_cpu=$(python3 -c "print(round($(cpu_seconds "$influx_pid") - $influx_cpu_before, 1))")
  sent=$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$out"); seconds=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$out")
  landed=$((after - before))
  echo "QoS $qos: $out"
  echo "QoS $qos: landed in InfluxDB $landed of $sent sent ($(python3 -c "print(round($landed/$seconds))") points/s, lost $((sent - landed)))"
  echo "QoS $qos: CPU seconds: hub $hub_cpu ($(python3 -c "print(round($hub_cpu*1e6/max($sent,1)))") µs/message), influxd $influx_cpu, on $(nproc) cores in ${seconds}s"
  [ "$qos" = 0 ] && echo "QoS 0 latency: $(hub_latency)"
  echo "QoS $qos: hub peak RSS so far $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$hub_pid/status)"
done

# Alerts under background telemetry: QoS 0 load at ALERT_RATE msg/s while cameras raise camera_tamper
# one after another; the SignalR client times publish -> alertRaised.
alert_rate=${ALERT_RATE:-30000}
dotnet "$sim_dll" load --registry "$work/registry.json" --broker "mqtt://127.0.0.1:$mqtt_port" \
  --devices "$devices" --duration 40 --rate "$alert_rate" --qos 0 >"$work/background.log" 2>&1 &
background=$!
sleep 10
dotnet "$sim_dll" alert-latency --registry "$work/registry.json" --broker "mqtt://127.0.0.1:$mqtt_port" \
  --hub "http://127.0.0.1:$http_port" --username bench --password bench-password --count 100 --spacing-ms 150 | grep '^ALERTS' | sed "s/^/alerts under ${alert_rate} msg\/s background: /"
wait "$background" || true
echo "background: $(grep '^RESULT' "$work/background.log")"
echo "hub peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$hub_pid/status)"
