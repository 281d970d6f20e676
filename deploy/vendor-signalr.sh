#!/usr/bin/env bash
# Refreshes the vendored SignalR browser client of the desk screen from npm: bash deploy/vendor-signalr.sh 10.0.11
set -euo pipefail
version="${1:?usage: deploy/vendor-signalr.sh VERSION}"
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/src/RedProperty.Iot.Hub/wwwroot/lib/signalr"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@microsoft/signalr@$version" >/dev/null && tar xzf ./*.tgz)
cp "$work/package/dist/browser/signalr.min.js" "$target/signalr.min.js"
sha="$(sha256sum "$target/signalr.min.js" | cut -d' ' -f1)"
sed -i -E "s/\*\*[0-9][^*]*\*\*/**$version**/; s/SHA-256 of the file: \`[0-9a-f]+\`/SHA-256 of the file: \`$sha\`/" "$target/README.md"
echo "signalr.min.js $version ($sha)"
