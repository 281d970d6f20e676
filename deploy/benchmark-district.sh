#!/usr/bin/env bash
# Benchmark of a district centre: EDGES simulated edge hubs (firmware-sim district-load) publish their uplink to a
# local mosquitto, the district broker; a centre hub (Hub:Role=centre) reads them into its read model and pushes
# each change to a desk over SignalR. In one sitting:
#   fixed    RATE and then HIGH_RATE changes a second in all, each timed from the edge's publish to its arrival,
#            first at a plain QoS 1 subscriber of the broker (the peer: what the broker alone delivers), then, with
#            the centre started, at the centre desk's alertRaised/alertUpdated
#   max      each edge sends its next change once the previous one reached the centre's desk: the changes a second
#            the centre takes at saturation
# and the centre's RSS. Performance is the ratio centre/peer of the same run.
#   EDGES=100 RATE=200 HIGH_RATE=1000 DURATION=20 deploy/benchmark-district.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh
ensure_dotnet
ensure_packages curl python3 mosquitto mosquitto-clients

edges=${EDGES:-100}; rate=${RATE:-200}; high=${HIGH_RATE:-1000}; duration=${DURATION:-20}
work=$(mktemp -d /tmp/rp-bench-district.XXXXXX)
hub_pid=; mosq_pid=
cleanup() {
  [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null; [ -n "$mosq_pid" ] && kill "$mosq_pid" 2>/dev/null; wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

dotnet build RedProperty.Iot.sln -c Release -v quiet -nologo >/dev/null
hub_dll=src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll
sim_dll=firmware-sim/RedProperty.Iot.FirmwareSim/bin/Release/net10.0/firmware-sim.dll

# The centre's registry: one compound per edge (court-1 …), ten property companies, a device each (unused: the
# compounds are their edges').
python3 - "$work" "$edges" <<'EOF'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
sites = [{"id": f"court-{i}", "name": f"小区{i}", "company": f"物业{i % 10}", "timeZone": "Asia/Shanghai",
          "zones": [{"id": "grid-1", "name": "第一网格", "type": "area"}],
          "devices": [{"id": "chg-b01", "kind": "charger", "zone": "grid-1", "secret": "bench-secret-of-a-charger-0001", "circuit": "corridor"}]}
         for i in range(1, n + 1)]
json.dump({"sites": sites}, open(f"{work}/registry.json", "w"), ensure_ascii=False)
EOF

mosq_port=$(free_port)
# As root, mosquitto would switch to its own user, which cannot read the benchmark's files: stay as the caller.
cat >"$work/mosquitto.conf" <<CONF
listener $mosq_port 127.0.0.1
allow_anonymous true
max_queued_messages 1000000
max_inflight_messages 100
user $(id -un)
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
mosq_pid=$!
for _ in $(seq 1 100); do mosquitto_pub -h 127.0.0.1 -p "$mosq_port" -t probe -m up >/dev/null 2>&1 && break; sleep 0.1; done

sim() { dotnet "$sim_dll" district-load --broker "mqtt://127.0.0.1:$mosq_port" --edges "$edges" --duration "$duration" "$@" || true; }
echo "$edges edges; fixed rates $rate and $high changes/s; ${duration} s a phase"
# The peer first, before the centre subscribes: the broker alone, to a plain QoS 1 subscriber.
sim --rate "$rate"
sim --rate "$high"

http_port=$(free_port)
edge_args=()
for i in $(seq 1 "$edges"); do edge_args+=(--Centre:Edges:edge-$i:0 "court-$i"); done
dotnet "$hub_dll" --Http:Urls "http://127.0.0.1:$http_port" --Hub:Role centre --Mqtt:Mode external --Mqtt:ExternalUrl "mqtt://127.0.0.1:$mosq_port" \
  --Mqtt:ClientId centre-devices --Centre:ClientId centre-uplinks "${edge_args[@]}" \
  --Hub:DataDir "$work/data" --Hub:Registry "$work/registry.json" --Hub:SecretHashIterations 10000 \
  --Staff:BootstrapAdmin:Username bench --Staff:BootstrapAdmin:Password bench-password \
  --Influx:Version none --Logging:LogLevel:Default Warning >>"$work/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$http_port/healthz" && break; sleep 0.2; done
curl -s -o /dev/null "http://127.0.0.1:$http_port/healthz" || { echo "the centre did not start:"; cat "$work/hub.log"; exit 1; }
sleep 2

rss_mb() { awk -v key="$2" '$1 == key":" { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
echo "centre RSS at start: $(rss_mb "$hub_pid" VmRSS) MB"
sim --rate "$rate" --hub "http://127.0.0.1:$http_port" --username bench --password bench-password
sim --rate "$high" --hub "http://127.0.0.1:$http_port" --username bench --password bench-password
echo "centre RSS after the fixed rates: $(rss_mb "$hub_pid" VmRSS) MB"
sim --rate 0 --hub "http://127.0.0.1:$http_port" --username bench --password bench-password
echo "centre RSS after saturation: $(rss_mb "$hub_pid" VmRSS) MB (peak $(rss_mb "$hub_pid" VmHWM) MB)"
