"""The socialpulse pipeline DAG: every minute by default (PIPELINE_SCHEDULE), one run at a time, no catch-up:
extract -> validate -> clean -> load -> models (seeds, staging and core) -> graph_sync -> graph_metrics -> marts
(ClickHouse) -> export, as declared in socialpulse_lib/steps.py. Each step is a `deno task`, run as a container of
the task image (SOCIALPULSE_RUNNER=docker, production compose) or as a subprocess in the project folder (local,
`deno task start`).
See docs/airflow.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG

# Airflow puts its DAG folder on sys.path; a DagBag of another folder (the tests) does not.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from socialpulse_lib import alerts
from socialpulse_lib.runners import chain_steps
from socialpulse_lib.settings import load
from socialpulse_lib.steps import PIPELINE_STEPS

settings = load()

with DAG(
    dag_id="socialpulse",
    description="extract -> validate -> clean -> load -> models -> graph_sync -> graph_metrics -> marts -> export, "
    "every minute",
    schedule=settings.schedule,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    # One run at a time: a run still going after two hours (longer than every step's timeout together) is stuck.
    dagrun_timeout=timedelta(hours=2),
    on_success_callback=alerts.on_dag_success,
    on_failure_callback=alerts.on_dag_failure,
    tags=["socialpulse", f"runner:{settings.runner}"],
    doc_md=__doc__,
) as dag:
    chain_steps(dag, PIPELINE_STEPS, settings)
