#!/usr/bin/env bash
# Build helm from its Go module into $BIN (default .cache/cluster/bin), once; an existing binary
# is reused, and HELM (a path to a helm binary) is linked instead of building. helm's own module
# builds with `go install` (no replace directives); the module and build caches are shared with
# the cluster binaries' build, so most of Kubernetes' packages are compiled once.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.16.4}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CLUSTER_CACHE:-$ROOT/.cache/cluster}
BIN=$CACHE/bin
mkdir -p "$BIN"

if [ -n "${HELM:-}" ]; then
  [ -x "$HELM" ] || { echo "HELM=$HELM is not an executable" >&2; exit 1; }
  ln -sf "$HELM" "$BIN/helm"
  exit 0
fi
[ -x "$BIN/helm" ] && exit 0

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
if ! [ -x "$GO" ] && ! command -v "$GO" >/dev/null; then
  echo "helm: not in $BIN, HELM is not set, and there is no Go toolchain to build it;" >&2
  echo "install Go >= 1.22 or set HELM to a helm v3 binary" >&2
  exit 1
fi
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN=$BIN
export GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod} GOCACHE=${GOCACHE:-$CACHE/go/build}
echo "helm: building $HELM_VERSION from its Go module (a few minutes the first time)"
"$GO" install -trimpath "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
