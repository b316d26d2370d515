#!/usr/bin/env bash
# Install Airflow 3.3.2 (with the docker, smtp and standard providers, and pytest for the DAG tests) into a cached
# virtualenv in the tools folder (DEV_TOOLS_DIR, default ~/.cache/socialpulse, shared by every clone):
#   <tools>/airflow/3.3.2/venv
# pinned by dev/airflow/constraints.txt (a `pip freeze` of a clean install, frozen into the repo because the
# official constraints files on GitHub are not reachable from our machines). Idempotent: when the venv was built from
# the same requirements and constraints it does nothing; otherwise it rebuilds it (about 30 to 90 s).
#
#   bash dev/airflow/setup.sh          install if needed, then print the virtualenv's path on the last line
#   PYTHON=python3.12 bash dev/airflow/setup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

AIRFLOW_VERSION=3.3.2

# Same resolution as src/config.ts: environment, then .env, then the default; relative to the project root.
tools=${DEV_TOOLS_DIR:-}
if [ -z "$tools" ] && [ -f .env ]; then tools=$(sed -nE 's/^DEV_TOOLS_DIR=["'\'']?([^"'\'']*)["'\'']?$/\1/p' .env | tail -n1); fi
tools=${tools:-$HOME/.cache/socialpulse}
case "$tools" in /*) ;; *) tools="$PWD/$tools" ;; esac

python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || { echo "airflow setup: '$python' is required (Python 3.10 to 3.13)" >&2; exit 1; }
if ! "$python" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)'; then
  echo "airflow setup: Airflow $AIRFLOW_VERSION needs Python 3.10 to 3.13; $python is $("$python" --version 2>&1)" >&2
  exit 1
fi

venv="$tools/airflow/$AIRFLOW_VERSION/venv"
stamp="$venv/.socialpulse-stamp"
want=$( { "$python" --version 2>&1; cat dev/airflow/requirements.txt dev/airflow/constraints.txt; } | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/airflow" ]; then
  echo "$venv"
  exit 0
fi

echo "airflow setup: installing Airflow $AIRFLOW_VERSION into $venv" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r dev/airflow/requirements.txt -c dev/airflow/constraints.txt
"$venv/bin/pip" check >&2
echo "$want" > "$stamp"
echo "airflow setup: done" >&2
echo "$venv"
