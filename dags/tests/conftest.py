"""pytest set-up for the DAG tests: a private AIRFLOW_HOME (no metadata database is needed to parse DAGs) and the
DAG folder on sys.path, as Airflow has it."""

import os
import sys
import tempfile
from pathlib import Path

DAGS = Path(__file__).resolve().parents[1]
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="socialpulse-airflow-test-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
sys.path.insert(0, str(DAGS))
