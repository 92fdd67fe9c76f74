#!/usr/bin/env bash
# Build etcd, kube-apiserver and kubectl from their Go modules into $BIN (default
# .cache/cluster/bin), once: binaries already there are reused. With KUBEBUILDER_ASSETS set
# (a folder with etcd, kube-apiserver and kubectl), nothing is built and those are linked.
#
# kube-apiserver cannot be `go install`ed (k8s.io/kubernetes replaces its staging modules with
# local paths), so a throwaway module requires the pinned release and maps each staging module to
# its published version; etcd's server module likewise needs its sibling modules pinned.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.31.4}
ETCD_VERSION=${ETCD_VERSION:-v3.5.17}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CLUSTER_CACHE:-$ROOT/.cache/cluster}
BIN=$CACHE/bin
mkdir -p "$BIN"

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for tool in etcd kube-apiserver kubectl; do
    [ -x "$KUBEBUILDER_ASSETS/$tool" ] || { echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no $tool" >&2; exit 1; }
    ln -sf "$KUBEBUILDER_ASSETS/$tool" "$BIN/$tool"
  done
  exit 0
fi
if [ -x "$BIN/etcd" ] && [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kubectl" ]; then
  exit 0
fi

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
if ! [ -x "$GO" ] && ! command -v "$GO" >/dev/null; then
  echo "cluster binaries: no etcd/kube-apiserver/kubectl in $BIN, KUBEBUILDER_ASSETS is not set," >&2
  echo "and there is no Go toolchain to build them; install Go >= 1.22 or set KUBEBUILDER_ASSETS" >&2
  exit 1
fi
minor=$("$GO" env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${minor:-0}" -lt 22 ]; then
  echo "cluster binaries: $("$GO" env GOVERSION) is too old to build Kubernetes $K8S_VERSION;" >&2
  echo "install Go >= 1.22 or set KUBEBUILDER_ASSETS" >&2
  exit 1
fi
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
export GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod} GOCACHE=${GOCACHE:-$CACHE/go/build}
work=$CACHE/src
mkdir -p "$work/kube" "$work/etcd"

echo "cluster binaries: building etcd $ETCD_VERSION (about a minute the first time)"
cd "$work/etcd"
etcd_minor=${ETCD_VERSION#v3.}
cat > go.mod <<MOD
module local/etcdbuild

go 1.22

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/v2 => go.etcd.io/etcd/client/v2 v2.30$etcd_minor
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/raft/v3 => go.etcd.io/etcd/raft/v3 $ETCD_VERSION
)
MOD
printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
"$GO" mod tidy >/dev/null 2>&1 || "$GO" mod tidy
"$GO" build -trimpath -o "$BIN/etcd" go.etcd.io/etcd/server/v3

echo "cluster binaries: building kube-apiserver and kubectl $K8S_VERSION (about 5 minutes the first time)"
cd "$work/kube"
staging=$("$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
api_version=v0.${K8S_VERSION#v1.}
{
  echo "module local/kubebuild"
  echo
  echo "go 1.22"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$api_version"'#p' "$staging"
  echo ")"
} > go.mod
printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > tools.go
"$GO" mod tidy >/dev/null 2>&1 || "$GO" mod tidy
"$GO" build -trimpath -o "$BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
"$GO" build -trimpath -o "$BIN/kubectl" k8s.io/kubernetes/cmd/kubectl
echo "cluster binaries: ready in $BIN"
