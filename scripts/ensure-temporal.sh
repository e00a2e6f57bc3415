#!/usr/bin/env bash
# Prints the path of a `temporal` CLI: PATH first, then .tools/, else builds it into .tools/.
# v1.5.1 is pinned: later tags carry a `replace` directive that breaks `go install`.
# `ensure-temporal.sh server` prints instead a directory of .tools/ holding the Temporal server of the version
# docker-compose.yml runs (`server`, and `sql`, which creates and updates its schema), with the module's
# PostgreSQL schema and development config beside them (npm run cluster), building it once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="${1:-cli}"
version="v1.5.1"
server_version="v1.29.1"
server_dir="$root/.tools/temporal-server-$server_version"
if [ "$what" = cli ]; then
  if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
  if [ -x "$root/.tools/temporal" ]; then echo "$root/.tools/temporal"; exit 0; fi
elif [ "$what" = server ]; then
  if [ -f "$server_dir/.complete" ]; then echo "$server_dir"; exit 0; fi
else
  echo "ensure-temporal: unknown argument $what (none, or server)" >&2
  exit 2
fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "ensure-temporal: no $what of Temporal in .tools/ (nor on PATH) and no Go toolchain to build it" >&2
  exit 1
fi
mkdir -p "$root/.tools"
start=$(date +%s)
if [ "$what" = cli ]; then
  echo "ensure-temporal: building temporal $version with go install (takes a few minutes once)" >&2
  GOBIN="$root/.tools" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
  echo "ensure-temporal: built in $(( $(date +%s) - start ))s" >&2
  echo "$root/.tools/temporal"
  exit 0
fi
echo "ensure-temporal: building the Temporal server $server_version with go install (takes a few minutes once)" >&2
rm -rf "$server_dir"
mkdir -p "$server_dir"
GOBIN="$server_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install \
  "go.temporal.io/server/cmd/server@$server_version" "go.temporal.io/server/cmd/tools/sql@$server_version" >&2
module="$(go env GOMODCACHE)/go.temporal.io/server@$server_version"
mkdir -p "$server_dir/schema" "$server_dir/config"
cp -r "$module/schema/postgresql" "$server_dir/schema/"
cp "$module/config/development-postgres12.yaml" "$server_dir/config/"
chmod -R u+w "$server_dir"
touch "$server_dir/.complete"
echo "ensure-temporal: built in $(( $(date +%s) - start ))s" >&2
echo "$server_dir"
