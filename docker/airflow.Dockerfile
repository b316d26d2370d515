# Airflow for socialpulse: the official image plus the Docker provider (DockerOperator runs every pipeline step in
# the task image). The provider is installed against Airflow's published constraints for this exact version, and
# with `apache-airflow==<version>` in the same command, so pip can move neither Airflow nor its dependencies.
ARG AIRFLOW_VERSION=3.1.8
ARG PYTHON_VERSION=3.12
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
ARG AIRFLOW_VERSION
ARG PYTHON_VERSION
RUN pip install --no-cache-dir \
      "apache-airflow==${AIRFLOW_VERSION}" \
      apache-airflow-providers-docker \
      --constraint "https://raw.githubusercontent.com/apache/airflow/constraints-${AIRFLOW_VERSION}/constraints-${PYTHON_VERSION}.txt" \
    && python -c "import airflow.providers.docker.operators.docker"
