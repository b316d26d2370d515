#!/usr/bin/env bash
# Entrypoint of the socialpulse Airflow image. Airflow's three secrets live as files in the airflow-secrets volume
# (SOCIALPULSE_SECRETS_DIR), never in the image, the compose file or a log:
#   fernet_key      [core] fernet_key: encrypts connections and variables in the metadata database
#   api_secret_key  [api] secret_key: signs the UI's session cookies
#   jwt_secret      [api_auth] jwt_secret: signs the execution API's tokens (every process must share it)
#
#   socialpulse-secrets   (the airflow-secrets one-shot) write each missing file once; a value given in the
#                         environment (AIRFLOW_FERNET_KEY, AIRFLOW_API_SECRET_KEY, AIRFLOW_JWT_SECRET) replaces it
#   anything else         export the files as Airflow settings, then run the image's own entrypoint with the arguments
set -euo pipefail

dir=${SOCIALPULSE_SECRETS_DIR:-/opt/airflow/secrets}
names=(fernet_key api_secret_key jwt_secret)
declare -A setting=(
  [fernet_key]=AIRFLOW__CORE__FERNET_KEY
  [api_secret_key]=AIRFLOW__API__SECRET_KEY
  [jwt_secret]=AIRFLOW__API_AUTH__JWT_SECRET
)
declare -A override=(
  [fernet_key]=AIRFLOW_FERNET_KEY
  [api_secret_key]=AIRFLOW_API_SECRET_KEY
  [jwt_secret]=AIRFLOW_JWT_SECRET
)

generate() {
  case "$1" in
    # A Fernet key is 32 random bytes in URL-safe base64.
    fernet_key) python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' ;;
    *) python3 -c 'import secrets; print(secrets.token_urlsafe(48))' ;;
  esac
}

if [ "${1:-}" = socialpulse-secrets ]; then
  umask 077
  for name in "${names[@]}"; do
    file="$dir/$name"
    given=${!override[$name]:-}
    if [ -n "$given" ]; then
      printf '%s\n' "$given" >"$file"
      echo "socialpulse-secrets: $name set from ${override[$name]}"
    elif [ ! -s "$file" ]; then
      generate "$name" >"$file"
      echo "socialpulse-secrets: $name generated"
    else
      echo "socialpulse-secrets: $name kept"
    fi
  done
  exit 0
fi

for name in "${names[@]}"; do
  file="$dir/$name"
  if [ -s "$file" ]; then
    export "${setting[$name]}=$(cat "$file")"
  else
    echo "socialpulse-entrypoint: no $file (the airflow-secrets service writes it); Airflow's default applies" >&2
  fi
done
# SOCIALPULSE_AIRFLOW_ENTRYPOINT replaces the image's entrypoint in tests/compose_airflow_secrets_test.ts only.
if [ -n "${SOCIALPULSE_AIRFLOW_ENTRYPOINT:-}" ]; then exec "$SOCIALPULSE_AIRFLOW_ENTRYPOINT" "$@"; fi
exec /usr/bin/dumb-init -- /entrypoint "$@"
