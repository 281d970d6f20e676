#!/usr/bin/env bash
# Refreshes a browser library the desk screen serves itself (no CDN: edge boxes are often offline) from npm:
#   bash deploy/vendor-js.sh signalr 10.0.11
#   bash deploy/vendor-js.sh echarts 6.1.0
# Copies the built file and the package's licence files, and updates the library's README (version, SHA-256).
set -euo pipefail
name="${1:?usage: deploy/vendor-js.sh signalr|echarts VERSION}"
version="${2:?usage: deploy/vendor-js.sh signalr|echarts VERSION}"
case "$name" in
  signalr) package="@microsoft/signalr"; file="dist/browser/signalr.min.js"; licences="" ;;
  echarts) package="echarts"; file="dist/echarts.common.min.js"; licences="LICENSE NOTICE" ;;
  *) echo "unknown library '$name' (signalr or echarts)" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/src/RedProperty.Iot.Hub/wwwroot/lib/$name"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$target"
cp "$work/package/$file" "$target/"
for licence in $licences; do cp "$work/package/$licence" "$target/$licence.txt"; done
sha="$(sha256sum "$target/$(basename "$file")" | cut -d' ' -f1)"
sed -i -E "s/\*\*[0-9][^*]*\*\*/**$version**/; s/SHA-256 of the file: \`[0-9a-f]+\`/SHA-256 of the file: \`$sha\`/" "$target/README.md"
echo "$name $(basename "$file") $version ($sha)"
