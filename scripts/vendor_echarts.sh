#!/usr/bin/env bash
# Refresh the vendored Apache ECharts build from the npm registry (needs npm). Usage: scripts/vendor_echarts.sh [VERSION]
set -euo pipefail
version="${1:-5.6.0}"
dest="$(cd "$(dirname "$0")/.." && pwd)/src/shuangjian/static/echarts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "echarts@${version}" >/dev/null && tar xzf "echarts-${version}.tgz")
cp "$tmp/package/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "echarts ${version} -> $dest"
