# Airflow for socialpulse: the official image plus the providers the DAGs use (docker for DockerOperator, smtp and
# standard). The same Airflow version and the same frozen constraints as the native install (dev/airflow/), so the DAGs
# run here on the package set their tests ran on; `apache-airflow==<version>` sits in the same pip call, so pip can
# move neither Airflow nor its dependencies away from that set. The build needs PyPI only (no GitHub).
# Build context: the repository root (compose.yml builds it once, through the airflow-secrets service).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
ARG AIRFLOW_VERSION
COPY dev/airflow/constraints.txt /opt/socialpulse/constraints.txt
RUN pip install --no-cache-dir \
      "apache-airflow==${AIRFLOW_VERSION}" \
      apache-airflow-providers-docker \
      apache-airflow-providers-smtp \
      apache-airflow-providers-standard \
      --constraint /opt/socialpulse/constraints.txt \
    && python -c "import airflow.providers.docker.operators.docker, airflow.providers.standard.operators.bash"
# The secrets folder exists in the image, owned by the airflow user, so that the empty airflow-secrets volume mounted
# on it takes that owner and the (non-root) airflow-secrets service can write into it.
RUN mkdir -p /opt/airflow/secrets && chmod 0700 /opt/airflow/secrets
COPY --chmod=0755 docker/airflow-entrypoint.sh /usr/local/bin/socialpulse-entrypoint
# Exports the secrets from the volume, then runs the image's own entrypoint (dumb-init -- /entrypoint).
ENTRYPOINT ["/usr/local/bin/socialpulse-entrypoint"]
