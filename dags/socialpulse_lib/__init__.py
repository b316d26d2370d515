"""Shared code of the socialpulse DAGs: settings from the environment, the declared step lists, the two runners
(DockerOperator in production, a local subprocess on a machine without Docker) and the alert callbacks."""
