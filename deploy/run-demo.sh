#!/usr/bin/env bash
# Runs the hub with a simulated compound on this machine:
#   - installs and starts a local InfluxDB 1.x (Debian's influxdb) on loopback when it can,
#     otherwise the hub keeps every point in its on-disk spool;
#   - writes a demo registry (a compound of 8 buildings) and starts the hub;
#   - starts firmware-sim, every device its own MQTT client, publishing every 5 s.
# Ctrl+C stops everything. State lives in .run/ (delete it to start afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh
ensure_dotnet

run_dir="$(pwd)/.run"
mkdir -p "$run_dir"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_port=${HTTP_PORT:-8080}; port_free "$http_port" || http_port=$(free_port)
mqtt_port=${MQTT_PORT:-1883}; port_free "$mqtt_port" || mqtt_port=$(free_port)
pids=()
cleanup() {
  trap - EXIT INT TERM
  # Newest first: the simulator disconnects, the hub drains to InfluxDB, then InfluxDB stops.
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    kill -INT "${pids[$i]}" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.2; done
  done
}
trap cleanup EXIT INT TERM

influx_args=(--Influx:Version none)
influx_url=""
if ensure_packages influxdb curl && command -v influxd >/dev/null 2>&1; then
  influx_port=$(free_port)
  if influx_pid=$(start_influxd "$run_dir/influxdb" "$influx_port"); then
    pids+=("$influx_pid")
    influx_url="http://127.0.0.1:$influx_port"
    curl -sf -XPOST "$influx_url/query" --data-urlencode 'q=CREATE DATABASE rp' >/dev/null
    influx_args=(--Influx:Version 1 --Influx:Url "$influx_url" --Influx:Database rp)
  fi
fi
[ -z "$influx_url" ] && echo "InfluxDB could not be installed or started: the hub keeps points in its spool (.run/data/spool)."

echo "Building..."
dotnet build RedProperty.Iot.sln -c Release -v quiet -nologo >/dev/null
hub_dll=src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll
sim_dll=firmware-sim/RedProperty.Iot.FirmwareSim/bin/Release/net10.0/firmware-sim.dll

scenario=firmware-sim/scenarios/demo.yaml
[ -f "$run_dir/demo-registry.json" ] || dotnet "$sim_dll" registry "$scenario" --out "$run_dir/demo-registry.json"

demo_user=${DEMO_USER:-admin}
demo_password=${DEMO_PASSWORD:-redproperty-demo}
dotnet "$hub_dll" --Http:Urls "http://127.0.0.1:$http_port" --Mqtt:Port "$mqtt_port" --Mqtt:BindAddress 127.0.0.1 \
  --Staff:BootstrapAdmin:Username "$demo_user" --Staff:BootstrapAdmin:Password "$demo_password" \
  --Hub:DataDir "$run_dir/data" --Hub:Registry "$run_dir/demo-registry.json" "${influx_args[@]}" &
hub_pid=$!
pids+=("$hub_pid")
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

# The demo scenario runs in real time from now; its incidents (flying-wire charging, an alarm button,
# a tampered camera, an elevator fault, an overheating charger) start within the first ten minutes.
dotnet "$sim_dll" run "$scenario" --registry "$run_dir/demo-registry.json" --broker "mqtt://127.0.0.1:$mqtt_port" > "$run_dir/simulator.log" 2>&1 &
pids+=($!)

cat <<TEXT

RedProperty.Iot hub is running with a simulated compound (Ctrl+C stops it):
  Desk screen     http://127.0.0.1:$http_port/   (open in a browser)
  Demo login      $demo_user / $demo_password  (supervisor; created on first run only)
  Token           curl -s -XPOST http://127.0.0.1:$http_port/api/auth/token -H 'Content-Type: application/json' \\
                    -d '{"username":"$demo_user","password":"$demo_password"}'
  Alerts          http://127.0.0.1:$http_port/api/alerts?state=open   (bearer token or login cookie)
  Desk (SignalR)  http://127.0.0.1:$http_port/hubs/desk
  Health          http://127.0.0.1:$http_port/healthz
  Metrics         http://127.0.0.1:$http_port/metrics
  Devices         http://127.0.0.1:$http_port/api/devices
  Rejections      http://127.0.0.1:$http_port/api/devices/demo/light-b01-stair/rejections
  OpenAPI         http://127.0.0.1:$http_port/openapi/v1.json
  MQTT            mqtt://127.0.0.1:$mqtt_port   ws://127.0.0.1:$http_port/mqtt
  Registry        $run_dir/demo-registry.json (device secrets for your own clients)
TEXT
[ -n "$influx_url" ] && echo "  InfluxDB 1.x    $influx_url  (database rp), e.g.
                  curl -G '$influx_url/query?db=rp' --data-urlencode 'q=SELECT count(*) FROM light'"
echo
while kill -0 "$hub_pid" 2>/dev/null; do sleep 1; done
