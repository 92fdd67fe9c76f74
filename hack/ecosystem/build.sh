#!/usr/bin/env bash
# The GitOps and monitoring ecosystem's own tools, for the tests (nothing of them goes into the
# project's virtualenv):
# - ecosystem-health (kstatus, Argo CD's gopher-lua, cel-go; see main.go), built from its Go
#   module into $BIN (default .cache/cluster/bin), again only when its source changed;
# - the Prometheus Operator's ServiceMonitor and PrometheusRule CRDs, from its Go module, into
#   $CACHE/crds (the chart test installs them to dry-run the chart's monitoring objects);
# - promtool (Debian's prometheus package), when it is missing.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${CLUSTER_CACHE:-$ROOT/.cache/cluster}
BIN=$CACHE/bin
mkdir -p "$BIN"

stamp=$(cat "$HERE/main.go" "$HERE/go.mod" "$HERE/go.sum" | sha256sum | cut -c1-16)
if ! [ -x "$BIN/ecosystem-health" ] || [ "$(cat "$BIN/ecosystem-health.stamp" 2>/dev/null)" != "$stamp" ]; then
  GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
  echo "ecosystem-health: building (kstatus, gopher-lua, cel-go; about a minute the first time)"
  export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  export GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod} GOCACHE=${GOCACHE:-$CACHE/go/build}
  (cd "$HERE" && "$GO" build -trimpath -o "$BIN/ecosystem-health" .)
  echo "$stamp" > "$BIN/ecosystem-health.stamp"
fi

PROMETHEUS_OPERATOR_VERSION=${PROMETHEUS_OPERATOR_VERSION:-v0.76.2}
CRDS=$CACHE/crds
if ! [ -s "$CRDS/monitoring.coreos.com_servicemonitors.yaml" ]; then
  GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
  module=$(GOFLAGS=-mod=mod GOTOOLCHAIN=local GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod} \
    "$GO" mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
    | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
  mkdir -p "$CRDS"
  for kind in servicemonitors prometheusrules; do
    cp "$module/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$CRDS/"
  done
  chmod u+w "$CRDS"/*.yaml
fi

if ! command -v promtool >/dev/null; then
  echo "promtool: installing Debian's prometheus package"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
