#!/usr/bin/env bash
# Intuned's own Python SDK (intuned-client, from PyPI) in a virtualenv of its own under
# .cache/intuned-sdk, for the compatibility tests: nothing of it goes into the project's
# virtualenv. Installed again only when the pinned version changes.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VERSION=${INTUNED_CLIENT_VERSION:-1.1.1}
VENV=$ROOT/.cache/intuned-sdk/venv
PYTHON=${PYTHON:-python3}

if [ "$(cat "$VENV/.version" 2>/dev/null)" != "$VERSION" ]; then
  echo "intuned-client $VERSION: installing into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "intuned-client==$VERSION"
  echo "$VERSION" > "$VENV/.version"
fi
