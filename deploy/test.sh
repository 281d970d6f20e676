#!/usr/bin/env bash
# Runs every test: installs what is missing (Debian's influxdb, victoria-metrics, mosquitto, redis-server, ffmpeg, chromium and a CJK font, poppler-utils for the printed report, libfontconfig1 for SkiaSharp's photo handling, NuGet packages),
# builds, runs unit and integration tests. Integration tests start their own servers on free loopback ports;
# browser tests drive Debian's headless chromium and leave screenshots in artifacts/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

ensure_dotnet
ensure_packages influxdb victoria-metrics curl chromium fonts-wqy-microhei mosquitto mosquitto-clients ffmpeg systemd redis-server poppler-utils libfontconfig1

log=$(mktemp)
status=0
dotnet test RedProperty.Iot.sln -c Release 2>&1 | tee "$log" || status=$?

# One plain summary line for CI, summed over the test assemblies.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed"
if [ -d artifacts/screenshots ]; then
  echo "screenshots: $(pwd)/artifacts/screenshots"
fi
if [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
