#!/usr/bin/env bash
# Security benchmark: what an attacker costs the hub, with Mosquitto on the same machine as the peer.
#   1. login flood: FLOOD_RATE wrong-secret CONNECTs a second for FLOOD_SECONDS, from 127.0.0.2, for a
#      device whose secret is short (so it is key-stretched: the expensive case), while 10 devices
#      publish QoS 1 (PUBACK latency) and /healthz is polled; the same without the flood; the same
#      flood against Mosquitto.
#   2. oversized packets: OVERSIZE_COUNT devices each send one OVERSIZE_MB publish; resident memory.
#   3. fuzzing: FUZZ_CASES seeded cases over TCP, TLS and WebSockets; CPU per case, idle afterwards.
#   FLOOD_RATE=500 FLOOD_SECONDS=60 OVERSIZE_COUNT=5 OVERSIZE_MB=100 FUZZ_CASES=20000 deploy/benchmark-security.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh
ensure_dotnet
ensure_packages influxdb curl python3 mosquitto mosquitto-clients openssl

flood_rate=${FLOOD_RATE:-500}; flood_seconds=${FLOOD_SECONDS:-60}
oversize_count=${OVERSIZE_COUNT:-5}; oversize_mb=${OVERSIZE_MB:-100}
fuzz_cases=${FUZZ_CASES:-20000}; fuzz_seed=${FUZZ_SEED:-1}
work=$(mktemp -d /tmp/rp-security.XXXXXX)
pids=()
cleanup() { for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build RedProperty.Iot.sln -c Release -v quiet -nologo >/dev/null
hub_dll=src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll
sim=(dotnet firmware-sim/RedProperty.Iot.FirmwareSim/bin/Release/net10.0/firmware-sim.dll)

# A compound with generated secrets, plus one device with a short secret (key-stretched) to guess at.
"${sim[@]}" registry --site bench --per-kind 4 --out "$work/registry.json" >/dev/null
python3 - "$work/registry.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
site = doc["sites"][0]
site["devices"].append({"id": "weak", "kind": "light", "zone": site["devices"][0]["zone"], "location": "weak", "secret": "short-secret"})
json.dump(doc, open(path, "w"), ensure_ascii=False, indent=2)
PY
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/hub.key" -out "$work/hub.crt" -days 2 -subj "/CN=localhost" 2>/dev/null

influx_port=$(free_port)
pids+=("$(start_influxd "$work/influxdb" "$influx_port")")
influx="http://127.0.0.1:$influx_port"
curl -sf -XPOST "$influx/query" --data-urlencode 'q=CREATE DATABASE bench' >/dev/null

http_port=$(free_port); mqtt_port=$(free_port); tls_port=$(free_port)
dotnet "$hub_dll" --Http:Urls "http://127.0.0.1:$http_port" --Mqtt:Port "$mqtt_port" --Mqtt:TlsPort "$tls_port" --Mqtt:BindAddress 127.0.0.1 \
  --Tls:CertificatePath "$work/hub.crt" --Tls:KeyPath "$work/hub.key" \
  --Hub:DataDir "$work/data" --Hub:Registry "$work/registry.json" \
  --Influx:Version 1 --Influx:Url "$influx" --Influx:Database bench --Logging:LogLevel:Default Warning ${HUB_ARGS:-} >"$work/hub.log" 2>&1 &
hub_pid=$!; pids+=("$hub_pid")
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# Mosquitto with the same accounts (its own password hashing), TCP, TLS and WebSockets.
mosq_port=$(free_port); mosq_tls=$(free_port); mosq_ws=$(free_port)
: > "$work/mosquitto.passwd"
python3 -c 'import json,sys; [print(s["id"] + "/" + d["id"], d["secret"]) for s in json.load(open(sys.argv[1]))["sites"] for d in s["devices"]]' "$work/registry.json" \
  | while read -r user secret; do mosquitto_passwd -b "$work/mosquitto.passwd" "$user" "$secret"; done
# Run as root, mosquitto switches to its own user, which cannot read the benchmark's files: stay as the caller.
cat > "$work/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings false
allow_anonymous false
password_file $work/mosquitto.passwd
persistence false
listener $mosq_port 127.0.0.1
listener $mosq_tls 127.0.0.1
certfile $work/hub.crt
keyfile $work/hub.key
listener $mosq_ws 127.0.0.1
protocol websockets
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
mosq_pid=$!; pids+=("$mosq_pid")
sleep 1
kill -0 "$mosq_pid" 2>/dev/null || { cat "$work/mosquitto.log" >&2; exit 1; }

cpu_seconds() { awk '{printf "%.2f", ($14+$15)/100}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
quantiles() { python3 -c 'import sys; v=sorted(float(x)*1000 for x in sys.stdin if x.strip()); q=lambda p: v[min(len(v)-1,int(p*len(v)))] if v else 0; print(f"p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {v[-1] if v else 0:.1f} ms ({len(v)} samples)")'; }
poll_health() { local end=$((SECONDS + $1)); while [ $SECONDS -lt $end ]; do curl -s -o /dev/null -w '%{time_total}\n' --max-time 10 "http://127.0.0.1:$http_port/healthz"; sleep 0.1; done; }

# Devices publishing QoS 1 (one in flight each) while the broker is attacked, or not.
devices_under() { # broker-port label flood(yes/no) pid
  local port=$1 label=$2 flood=$3 pid=$4 flood_pid=""
  local cpu_before; cpu_before=$(cpu_seconds "$pid")
  if [ "$flood" = yes ]; then
    "${sim[@]}" login-flood --port "$port" --username bench/weak --rate "$flood_rate" --duration "$flood_seconds" --from 127.0.0.2 >"$work/flood-$label.log" 2>&1 &
    flood_pid=$!
  fi
  [ "$pid" = "$hub_pid" ] && { poll_health "$flood_seconds" >"$work/health-$label.txt" & }
  local poller=$!
  local load
  load=$("${sim[@]}" load --registry "$work/registry.json" --broker "mqtt://127.0.0.1:$port" --devices 10 --rate 200 --qos 1 --inflight 1 --duration "$flood_seconds" | grep '^RESULT')
  [ -n "$flood_pid" ] && wait "$flood_pid" || true
  wait "$poller" 2>/dev/null || true
  echo "$label: devices $load"
  [ -n "$flood_pid" ] && echo "$label: flood $(grep '^RESULT' "$work/flood-$label.log")"
  [ "$pid" = "$hub_pid" ] && echo "$label: /healthz $(quantiles <"$work/health-$label.txt")"
  echo "$label: broker CPU $(python3 -c "print(round($(cpu_seconds "$pid") - $cpu_before, 1))") s in ${flood_seconds} s"
}

echo "== 1. login flood: $flood_rate wrong CONNECTs/s for ${flood_seconds} s from 127.0.0.2 for bench/weak (PBKDF2, 100 000 iterations)"
devices_under "$mqtt_port" "hub, no flood" no "$hub_pid"
devices_under "$mqtt_port" "hub, flood" yes "$hub_pid"
echo "hub metrics: $(curl -s "http://127.0.0.1:$http_port/metrics" | grep -E '^rp_hub_(connections_refused|login_secret_checks|connections_closed)_total' | tr '\n' ' ')"
devices_under "$mosq_port" "mosquitto, flood" yes "$mosq_pid"

echo "== 2. oversized packets: $oversize_count devices each publish ${oversize_mb} MB"
for target in "hub $mqtt_port $hub_pid" "mosquitto $mosq_port $mosq_pid"; do
  set -- $target
  before=$(rss_mb "$3")
  result=$("${sim[@]}" oversize --registry "$work/registry.json" --port "$2" --count "$oversize_count" --megabytes "$oversize_mb" | grep '^RESULT')
  echo "$1: $result; resident ${before} MB before, $(rss_mb "$3") MB after, peak $(hwm_mb "$3") MB"
done

echo "== 3. fuzzing: $fuzz_cases cases (seed $fuzz_seed) over TCP, TLS and WebSockets"
for target in "hub $mqtt_port $tls_port ws://127.0.0.1:$http_port/mqtt $hub_pid" "mosquitto $mosq_port $mosq_tls ws://127.0.0.1:$mosq_ws/ $mosq_pid"; do
  set -- $target
  cpu_before=$(cpu_seconds "$5"); rss_before=$(rss_mb "$5")
  result=$("${sim[@]}" fuzz --registry "$work/registry.json" --port "$2" --tls-port "$3" --ws-url "$4" --cases "$fuzz_cases" --seed "$fuzz_seed" --parallel 16 | grep '^RESULT')
  cpu=$(python3 -c "print(round($(cpu_seconds "$5") - $cpu_before, 1))")
  sleep 3
  idle_before=$(cpu_seconds "$5"); sleep 3; idle=$(python3 -c "print(round(($(cpu_seconds "$5") - $idle_before) * 100))")
  good=$(mosquitto_pub -h 127.0.0.1 -p "$2" -V 5 -q 1 -u bench/weak -P short-secret -t rp/bench/light/weak/status -m online >/dev/null 2>&1 && echo "publishes" || echo "FAILS")
  echo "$1: $result; CPU $cpu s ($(python3 -c "print(round($cpu*1e6/$fuzz_cases))") µs/case); afterwards $idle clock ticks in 3 s, resident ${rss_before} -> $(rss_mb "$5") MB; a good device $good"
done
