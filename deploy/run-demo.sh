#!/usr/bin/env bash
# Runs the hub with a simulated compound on this machine:
#   - builds the hub and firmware-sim;
#   - installs and starts a local InfluxDB 1.x (Debian's influxdb) on loopback when it can,
#     otherwise the hub keeps every point in its on-disk spool;
#   - writes a demo registry (a compound of 8 buildings) and starts the hub;
#   - starts firmware-sim, every device its own MQTT client, playing firmware-sim/scenarios/demo.yaml
#     in real time: the first alert reaches the desk about a minute after the devices are up.
# Ctrl+C, SIGINT or SIGTERM (also when it runs in the background) stops everything it started and
# waits for it. The hub's and the simulator's logs go to DEMO_DIR/hub.log and simulator.log.
#
# Usage: deploy/run-demo.sh [--verbose]   (--verbose: those logs on the console too)
# Environment: HTTP_PORT (8080), MQTT_PORT (1883): another free port when taken;
#   DEMO_DIR (.run of the checkout): the demo's state, kept between runs (delete it to start afresh);
#   DEMO_USER, DEMO_PASSWORD: the first supervisor (admin / redproperty-demo).

# A background job of a non-interactive shell starts with SIGINT ignored, and bash cannot trap a
# signal that was ignored when it started: start again with SIGINT at its default so the trap works.
if [ -z "${RP_DEMO_SIGINT_RESET:-}" ] && [ -n "$(trap -p INT)" ] && env --default-signal=INT true 2>/dev/null; then
  RP_DEMO_SIGINT_RESET=1 exec env --default-signal=INT bash "${BASH_SOURCE[0]}" "$@"
fi
unset RP_DEMO_SIGINT_RESET
if (( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 501 )); then
  echo "run-demo.sh needs bash 5.1 or newer (wait -n -p); this is $BASH_VERSION" >&2
  exit 1
fi

set -euo pipefail
verbose=false
for argument in "$@"; do
  case "$argument" in
    --verbose | -v) verbose=true ;;
    --help | -h) sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run-demo.sh: unknown argument '$argument' (--verbose, --help)" >&2; exit 2 ;;
  esac
done

run_dir=$(realpath -m "${DEMO_DIR:-$(dirname "${BASH_SOURCE[0]}")/../.run}")
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. deploy/lib.sh
ensure_dotnet
mkdir -p "$run_dir"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_port=${HTTP_PORT:-8080}; port_free "$http_port" || http_port=$(free_port)
mqtt_port=${MQTT_PORT:-1883}; port_free "$mqtt_port" || mqtt_port=$(free_port)
demo_user=${DEMO_USER:-admin}
demo_password=${DEMO_PASSWORD:-redproperty-demo}
desk_url="http://127.0.0.1:$http_port/"
logs="$run_dir/hub.log, $run_dir/simulator.log"
$verbose && logs="on this console (--verbose)"
# Where a child's output goes: this script's own stdout (--verbose) or a new log file.
open_log() {
  local fd=1
  $verbose || exec {fd}>"$2"
  printf -v "$1" '%s' "$fd"
}
# The child keeps its copy; the script's is closed so that no later child inherits it.
close_log() {
  local fd=$1
  [ "$fd" = 1 ] || exec {fd}>&-
}

# --- stopping: every child, on a signal and on any exit ---------------------------------------------
pids=()       # long-running children in start order: InfluxDB, the hub, the simulator
names=()
step_pid=""   # the command a step is waiting for (build, registry, plan)
stop_seconds=20
stopped=false

# Stops one child: SIGTERM (its SIGINT is ignored, as for every background job of a script), then
# SIGKILL when it is still there after $stop_seconds; waits for it either way.
stop_process() {
  local pid=$1 name=$2 timer ended="" started=$EPOCHREALTIME
  if ! kill -TERM "$pid" 2>/dev/null; then
    # Gone already (influxd, a Go program, takes a terminal's Ctrl+C itself).
    wait "$pid" 2>/dev/null || true
    [ -n "$name" ] && echo "  $name had stopped"
    return 0
  fi
  sleep "$stop_seconds" &
  timer=$!
  wait -n -p ended "$pid" "$timer" 2>/dev/null || true
  if [ "$ended" = "$pid" ]; then
    echo "  ${name:-process $pid} stopped ($(elapsed "$started") s)"
  else
    echo "  ${name:-process $pid} did not stop within $stop_seconds s: killed" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  # SIGKILL: the timer started after `trap ''` and ignores SIGTERM like the shell does.
  kill -KILL "$timer" 2>/dev/null || true
  wait "$timer" 2>/dev/null || true
}
elapsed() { awk -v from="$1" -v to="$EPOCHREALTIME" 'BEGIN { printf "%.1f", to - from }'; }

stop_all() {
  # Nothing may cut the stop short: not a failing echo (a closed terminal), not a second Ctrl+C.
  set +e
  $stopped && return 0
  stopped=true
  trap '' INT TERM HUP
  if [ -n "$step_pid" ] || [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "Stopping the demo..."
  fi
  [ -n "$step_pid" ] && stop_process "$step_pid" "${step_pid_name:-a build step}"
  # The hub first, then the rest newest first: the simulator, and InfluxDB last (the hub drains to it).
  [ -n "${hub_pid:-}" ] && stop_process "$hub_pid" "the hub"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    [ "${pids[$i]}" = "${hub_pid:-}" ] || stop_process "${pids[$i]}" "${names[$i]}"
  done
  # Anything else this script started and still runs (a child caught between its start and the list).
  local left
  for left in $(jobs -p); do
    stop_process "$left" ""
  done
  if [ -n "${hub_pid:-}" ]; then
    cat <<TEXT
Stopped: the hub, the simulator and every process the demo started. Its state stays in
$run_dir (run deploy/run-demo.sh again to go on, delete it to start afresh):
  Desk screen     $desk_url   (when it runs again)
  Demo login      $demo_user / $demo_password
  Logs            $logs
TEXT
  fi
}
on_signal() {
  stop_all
  trap - EXIT
  exit $((128 + $1))
}
trap 'on_signal 2' INT
trap 'on_signal 15' TERM
trap 'on_signal 1' HUP
trap 'stop_all' EXIT

# Runs a command as a background child and waits for it: bash runs a trap only once a foreground
# command has finished, so a long build would otherwise hold up a signal, and it is stopped with the rest.
step() {
  step_pid_name=$1
  shift
  "$@" &
  step_pid=$!
  local status=0
  wait "$step_pid" || status=$?
  step_pid=""
  return "$status"
}

start_child() {
  local name=$1
  pids+=("$2")
  names+=("$name")
}

# Says what went wrong and shows the end of a log.
fail() {
  echo "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "--- last lines of $2 ---" >&2
    tail -n 25 "$2" >&2
  fi
  exit 1
}

echo "RedProperty.Iot demo: builds the hub and the simulator (a minute or two the first time), starts"
echo "InfluxDB and the hub, then a simulated compound whose first alert reaches the desk about a minute"
echo "after its devices are up. Ctrl+C stops everything."
echo

# --- InfluxDB ----------------------------------------------------------------------------------------
influx_args=(--Influx:Version none)
influx_url=""
if ensure_packages influxdb curl && command -v influxd >/dev/null 2>&1; then
  influx_port=$(free_port)
  influx_pid=""
  if start_influxd "$run_dir/influxdb" "$influx_port" influx_pid; then
    start_child InfluxDB "$influx_pid"
    influx_url="http://127.0.0.1:$influx_port"
    curl -sf -XPOST "$influx_url/query" --data-urlencode 'q=CREATE DATABASE rp' >/dev/null
    influx_args=(--Influx:Version 1 --Influx:Url "$influx_url" --Influx:Database rp)
  fi
fi
[ -z "$influx_url" ] && echo "InfluxDB could not be installed or started: the hub keeps points in its spool ($run_dir/data/spool)."

# --- build (no build servers: nothing may outlive the demo) -------------------------------------------
echo "Building..."
: >"$run_dir/build.log"
for project in src/RedProperty.Iot.Hub firmware-sim/RedProperty.Iot.FirmwareSim; do
  step "the build" dotnet build "$project" -c Release -v quiet -nologo --disable-build-servers >>"$run_dir/build.log" 2>&1 \
    || fail "The build of $project failed." "$run_dir/build.log"
done
hub_dll=src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll
sim_dll=firmware-sim/RedProperty.Iot.FirmwareSim/bin/Release/net10.0/firmware-sim.dll
scenario=firmware-sim/scenarios/demo.yaml
[ -f "$run_dir/demo-registry.json" ] || step "firmware-sim registry" dotnet "$sim_dll" registry "$scenario" --out "$run_dir/demo-registry.json" >/dev/null
# What will happen and when, counted from when the devices are up (from the hub's own rules).
plan=$(dotnet "$sim_dll" plan "$scenario") || plan="(firmware-sim plan $scenario could not say what will happen)"

# --- the hub -----------------------------------------------------------------------------------------
echo "Starting the hub..."
open_log hub_out "$run_dir/hub.log"
dotnet "$hub_dll" --Http:Urls "http://127.0.0.1:$http_port" --Mqtt:Port "$mqtt_port" --Mqtt:BindAddress 127.0.0.1 \
  --Staff:BootstrapAdmin:Username "$demo_user" --Staff:BootstrapAdmin:Password "$demo_password" \
  --Hub:DataDir "$run_dir/data" --Hub:Registry "$run_dir/demo-registry.json" "${influx_args[@]}" >&"$hub_out" 2>&1 &
hub_pid=$!
start_child "the hub" "$hub_pid"
close_log "$hub_out"
healthy=false
for _ in $(seq 1 300); do
  kill -0 "$hub_pid" 2>/dev/null || break
  if curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; then healthy=true; break; fi
  sleep 0.2
done
$healthy || fail "The hub did not come up on http://127.0.0.1:$http_port within a minute." "$run_dir/hub.log"

# --- the simulated compound --------------------------------------------------------------------------
open_log sim_out "$run_dir/simulator.log"
dotnet "$sim_dll" run "$scenario" --registry "$run_dir/demo-registry.json" --broker "mqtt://127.0.0.1:$mqtt_port" --quiet >&"$sim_out" 2>&1 &
sim_pid=$!
start_child "the simulator" "$sim_pid"
close_log "$sim_out"

cat <<TEXT

The simulated compound 演示小区 is connecting now.
$plan

RedProperty.Iot hub is running with a simulated compound (Ctrl+C stops it):
  Token           curl -s -XPOST http://127.0.0.1:$http_port/api/auth/token -H 'Content-Type: application/json' \\
                    -d '{"username":"$demo_user","password":"$demo_password"}'
  Alerts          http://127.0.0.1:$http_port/api/alerts?state=open   (bearer token or login cookie)
  Desk (SignalR)  http://127.0.0.1:$http_port/hubs/desk
  Health          http://127.0.0.1:$http_port/healthz
  Metrics         http://127.0.0.1:$http_port/metrics
  Devices         http://127.0.0.1:$http_port/api/devices
  Rejections      http://127.0.0.1:$http_port/api/devices/demo/b01-light/rejections
  OpenAPI         http://127.0.0.1:$http_port/openapi/v1.json
  MQTT            mqtt://127.0.0.1:$mqtt_port   ws://127.0.0.1:$http_port/mqtt
  Registry        $run_dir/demo-registry.json (device secrets for your own clients)
  Logs            $logs
TEXT
[ -n "$influx_url" ] && echo "  InfluxDB 1.x    $influx_url  (database rp), e.g.
                  curl -G '$influx_url/query?db=rp' --data-urlencode 'q=SELECT count(*) FROM light'"
cat <<TEXT
  Desk screen     $desk_url   (open in a browser)
  Demo login      $demo_user / $demo_password  (supervisor; created on first run only)

TEXT

# Until the hub stops (or a signal stops the demo); a simulator that ends is reported, the hub stays.
while true; do
  ended=""
  status=0
  if kill -0 "$sim_pid" 2>/dev/null; then
    wait -n -p ended "$hub_pid" "$sim_pid" || status=$?
  else
    wait "$hub_pid" || status=$?
    ended=$hub_pid
  fi
  if [ "$ended" = "$hub_pid" ]; then
    fail "The hub stopped (exit status $status)." "$run_dir/hub.log"
  elif [ "$ended" = "$sim_pid" ]; then
    echo "The simulator stopped (exit status $status); the hub keeps running. See $run_dir/simulator.log." >&2
  fi
done
