#!/usr/bin/env bash
# Bootstrap a machine for socialpulse without Docker: Deno (from the npm package `deno`, pinned), the project's npm
# packages, Airflow's virtualenv, and the tools that check the Docker files (dev/check_tools.sh: Docker Compose and
# hadolint). Idempotent and quick when everything is present. The services themselves are installed and started by
# `deno task stack:up`.
#
#   bash dev/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION=2.9.6

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required ($2)" >&2; exit 1; }; }
need node "Node.js 20+ with npm: it installs Deno and the npm packages"
need npm "comes with Node.js"

if [ "$(deno --version 2>/dev/null | head -n1 | awk '{print $2}')" != "$DENO_VERSION" ]; then
  echo "setup: installing deno $DENO_VERSION from npm"
  npm install --global --no-audit --no-fund "deno@$DENO_VERSION"
fi

# npm rather than `deno install`: chdb lists optional platform packages that the registry lacks, which Deno treats
# as fatal. `npm install` (not `npm ci`, which wants those absent packages in the lock file) installs the locked
# versions and leaves package-lock.json as it is.
stamp=node_modules/.socialpulse-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: installing npm packages"
  npm install --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

# The workbook test validates with xmllint (libxml2-utils); the dashboard's browser test and `deno task screenshots`
# drive Debian's chromium. Installed once with apt (root or sudo).
apt_missing=()
command -v xmllint >/dev/null 2>&1 || apt_missing+=(libxml2-utils)
dpkg -s chromium >/dev/null 2>&1 || apt_missing+=(chromium)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "setup: installing ${apt_missing[*]} with apt-get"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${apt_missing[@]}" >/dev/null ||
    { "${sudo_cmd[@]}" apt-get update >/dev/null && "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${apt_missing[@]}" >/dev/null; }
fi

# The native stack builds two tools on first use; check their toolchains now for a clear message.
need go "builds the versitygw S3 server"
need mvn "builds the Neo4j launcher"
need java "runs Neo4j (Java 17 or 21)"
# Airflow (the DAG tests, `deno task start`) in a cached virtualenv pinned by dev/airflow/constraints.txt.
bash dev/airflow/setup.sh >/dev/null
# The Docker files' checks without Docker: Docker Compose (built once from the Go module proxy, ~6 minutes) for
# tests/compose_parser_test.ts, and hadolint for `deno task check`. Cached in the tools folder like versitygw.
need python3 "installs hadolint (Python 3 with venv)"
bash dev/check_tools.sh >/dev/null
echo "setup: deno $(deno --version | head -n1 | awk '{print $2}'), node $(node --version); ok"
