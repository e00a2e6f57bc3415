#!/usr/bin/env bash
# Prints the path of a `temporal` CLI: PATH first, then .tools/, else builds it into .tools/.
# v1.5.1 is pinned: later tags carry a `replace` directive that breaks `go install`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="v1.5.1"
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$root/.tools/temporal" ]; then echo "$root/.tools/temporal"; exit 0; fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "ensure-temporal: no temporal on PATH, none in .tools/, and no Go toolchain to build $version" >&2
  exit 1
fi
mkdir -p "$root/.tools"
echo "ensure-temporal: building temporal $version with go install (takes a few minutes once)" >&2
start=$(date +%s)
GOBIN="$root/.tools" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
echo "ensure-temporal: built in $(( $(date +%s) - start ))s" >&2
echo "$root/.tools/temporal"
