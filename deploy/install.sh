#!/usr/bin/env bash
# Installs the hub on a Debian/Ubuntu edge box (x64 or ARM64) as a systemd service.
#   sudo deploy/install.sh                 # from a source checkout: publishes a self-contained build (needs the .NET 10 SDK)
#   sudo deploy/install.sh /path/to/build  # installs an already published folder (e.g. built on another machine)
# Settings go to /etc/redproperty-hub/hub.env (created on first install); data lives in /var/lib/redproperty-hub.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix=/opt/redproperty-hub
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 2; }

case "$(dpkg --print-architecture)" in
  amd64) rid=linux-x64 ;;
  arm64) rid=linux-arm64 ;;
  *) echo "install.sh: unsupported architecture $(dpkg --print-architecture) (x64 and ARM64 only)" >&2; exit 2 ;;
esac

if [ $# -ge 1 ]; then
  build="$1"
  [ -x "$build/RedProperty.Iot.Hub" ] || { echo "install.sh: $build has no RedProperty.Iot.Hub executable" >&2; exit 2; }
else
  command -v dotnet >/dev/null || { echo "install.sh: no .NET SDK; publish elsewhere and pass the folder" >&2; exit 2; }
  build="$(mktemp -d)"
  dotnet publish "$root/src/RedProperty.Iot.Hub/RedProperty.Iot.Hub.csproj" -c Release -r "$rid" --self-contained -o "$build"
fi

# libfontconfig1 for SkiaSharp, which checks and scales the photos of workers and residents (required).
apt-get install -y --no-install-recommends libfontconfig1
# ffmpeg for camera evidence and stream checks (optional: without it alerts come without pictures).
apt-get install -y --no-install-recommends ffmpeg || echo "install.sh: ffmpeg not installed; cameras will have no snapshots"

id redproperty >/dev/null 2>&1 || useradd --system --home-dir /var/lib/redproperty-hub --shell /usr/sbin/nologin redproperty
for group in gpio i2c; do getent group "$group" >/dev/null || groupadd --system "$group"; done

systemctl stop redproperty-hub 2>/dev/null || true
rm -rf "$prefix.new" && mkdir -p "$prefix.new" && cp -a "$build/." "$prefix.new/"
rm -rf "$prefix.old" && { [ -d "$prefix" ] && mv "$prefix" "$prefix.old" || true; } && mv "$prefix.new" "$prefix"
chown -R root:root "$prefix" && chmod -R go-w "$prefix"

install -d -m 0750 -o root -g redproperty /etc/redproperty-hub
if [ ! -f /etc/redproperty-hub/hub.env ]; then
  install -m 0640 -o root -g redproperty /dev/null /etc/redproperty-hub/hub.env
  cat > /etc/redproperty-hub/hub.env <<'ENV'
# RedProperty.Iot hub settings (environment variables; see the README's configuration table).
Hub__Registry=/etc/redproperty-hub/registry.json
Http__Urls=http://0.0.0.0:8080
#Influx__Version=2
#Influx__Url=http://influxdb.example:8086
#Influx__Org=redproperty
#Influx__Bucket=rp
#Influx__Token=
#Staff__BootstrapAdmin__Username=admin
#Staff__BootstrapAdmin__Password=
ENV
fi

install -m 0644 "$root/deploy/systemd/redproperty-hub.service" /etc/systemd/system/redproperty-hub.service
install -d /etc/systemd/journald.conf.d
install -m 0644 "$root/deploy/systemd/journald-redproperty.conf" /etc/systemd/journald.conf.d/redproperty.conf
systemctl restart systemd-journald || true
systemctl daemon-reload
systemctl enable --now redproperty-hub
echo "installed $prefix ($rid); logs: journalctl -u redproperty-hub -f; settings: /etc/redproperty-hub/hub.env"
