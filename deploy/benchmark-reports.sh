#!/usr/bin/env bash
# Benchmark of the service-quality reports: SITES compounds of DEVICES devices each, ALERTS alerts per
# site in October 2026 (each with its audit trail) written into the hub's store, then the report API
# timed as the report page calls it: one site's month and its zones, the ranking of the closed month
# (from the snapshots the hub stored at start) and of the open one, and the eight requests the page
# makes at once. Prints the median of RUNS timings each and the hub's RSS after.
#   SITES=5 DEVICES=400 ALERTS=3000 RUNS=5 deploy/benchmark-reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh
ensure_dotnet
ensure_packages curl python3

sites=${SITES:-5}; devices=${DEVICES:-400}; alerts=${ALERTS:-3000}; runs=${RUNS:-5}
work=$(mktemp -d /tmp/rp-bench-reports.XXXXXX)
hub_pid=
cleanup() { [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null; wait 2>/dev/null || true; if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

dotnet build RedProperty.Iot.sln -c Release -v quiet -nologo >/dev/null
hub_dll=src/RedProperty.Iot.Hub/bin/Release/net10.0/RedProperty.Iot.Hub.dll
sim_dll=firmware-sim/RedProperty.Iot.FirmwareSim/bin/Release/net10.0/firmware-sim.dll

for i in $(seq 1 "$sites"); do
  dotnet "$sim_dll" registry --site "court-$i" --per-kind $(( (devices + 3) / 4 )) --out "$work/site-$i.json" >/dev/null
done
python3 - "$work" "$sites" <<'EOF'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
merged = {"sites": []}
for i in range(1, n + 1):
    site = json.load(open(f"{work}/site-{i}.json"))["sites"][0]
    site["name"] = f"小区{i}"
    merged["sites"].append(site)
json.dump(merged, open(f"{work}/registry.json", "w"), ensure_ascii=False)
EOF

http_port=$(free_port); mqtt_port=$(free_port)
start_hub() {
  dotnet "$hub_dll" "$@" --Http:Urls "http://127.0.0.1:$http_port" --Mqtt:Port "$mqtt_port" --Mqtt:BindAddress 127.0.0.1 \
    --Hub:DataDir "$work/data" --Hub:Registry "$work/registry.json" --Hub:SecretHashIterations 10000 \
    --Staff:BootstrapAdmin:Username bench --Staff:BootstrapAdmin:Password bench-password \
    --Influx:Version none --Logging:LogLevel:Default Warning >>"$work/hub.log" 2>&1 &
  hub_pid=$!
  for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$http_port/healthz" && return; sleep 0.2; done
  echo "the hub did not start:"; cat "$work/hub.log"; exit 1
}

# First start creates the store (without closing months: the history is not in yet); then the month's
# history goes in while the hub is stopped, and the second start closes October from it.
start_hub --Reports:MonthlySnapshot:Enabled false; kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true; hub_pid=
python3 - "$work" "$alerts" <<'EOF'
import json, random, sqlite3, sys, uuid
from datetime import datetime, timezone, timedelta
work, per_site = sys.argv[1], int(sys.argv[2])
registry = json.load(open(f"{work}/registry.json"))
types = {"light": [("broken_light", "minor")], "charger": [("flying_wire_charging", "major"), ("charger_overheat", "critical")],
         "elevator": [("elevator_fault", "major"), ("elevator_entrapment", "critical")], "camera": [("camera_tamper", "major"), ("device_offline", "major")]}
start = int(datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=8))).timestamp() * 1000)
month_ms = 31 * 86400 * 1000
db = sqlite3.connect(f"{work}/data/hub.db")
random.seed(3)
alerts, transitions, seq = [], [], 0
for site in registry["sites"]:
    for _ in range(per_site):
        device = random.choice(site["devices"])
        alert_type, severity = random.choice(types[device["kind"]])
        raised = start + random.randrange(month_ms)
        ack = raised + random.randrange(60_000, 40 * 60_000)
        resolved = ack + random.randrange(60_000, 240 * 60_000)
        alert_id, seq = str(uuid.uuid4()), seq + 1
        alerts.append((alert_id, site["id"], device["id"], alert_type, device["zone"], device["kind"], severity, "resolved", "bench",
                       raised, raised, raised, 1, "op", ack, "op", resolved, "handled", seq))
        transitions += [(alert_id, 0, raised, "raised", "system", None, severity), (alert_id, 1, ack, "acknowledged", "op", None, severity),
                        (alert_id, 2, resolved, "resolved", "op", "handled", severity)]
db.executemany("INSERT INTO alerts VALUES (" + ",".join("?" * 19) + ")", alerts)
db.executemany("INSERT INTO alert_transitions VALUES (?,?,?,?,?,?,?)", transitions)
db.commit()
print(f"stored {len(alerts)} alerts with {len(transitions)} audit steps")
EOF

start_hub
token=$(curl -sf -XPOST "http://127.0.0.1:$http_port/api/auth/token" -H 'Content-Type: application/json' \
  -d '{"username":"bench","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')

median_ms() {
  local path=$1 times=()
  for _ in $(seq 1 "$runs"); do
    times+=("$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$path")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f ms", a[int((NR+1)/2)]*1000}'
}

page_ms() {
  local t0 t1
  t0=$(date +%s%N)
  for month in 2026-05 2026-06 2026-07 2026-08 2026-09 2026-10; do
    curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/api/reports/ranking?month=$month" &
  done
  curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/api/reports/service-quality?site=court-1&month=2026-10" &
  curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/api/reports/service-quality/zones?site=court-1&month=2026-10" &
  wait
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) ms"
}

for _ in $(seq 1 100); do
  [ "$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/api/reports/monthly" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$sites" ] && break
  sleep 0.2
done

echo "sites=$sites devices/site=$devices alerts/site/month=$alerts"
echo "service-quality (one site, one month, computed): $(median_ms '/api/reports/service-quality?site=court-1&month=2026-10')"
echo "service-quality by zone (one site, every zone): $(median_ms '/api/reports/service-quality/zones?site=court-1&month=2026-10')"
echo "ranking of the closed month (from the stored snapshots): $(median_ms '/api/reports/ranking?month=2026-10')"
echo "ranking of the open month (computed, all sites): $(median_ms '/api/reports/ranking?month=2026-11')"
echo "report page data (eight requests at once): $(page_ms)"
echo "hub RSS after: $(( $(awk '/VmRSS/ {print $2}' "/proc/$hub_pid/status") / 1024 )) MB"
