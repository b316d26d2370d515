"""The socialpulse maintenance DAG, daily (PIPELINE_MAINTENANCE_SCHEDULE, default 03:30 UTC):
- full_scan: `deno task extract --full-scan` claims raw files that turned up outside extract's listing window
  (PIPELINE_LIST_LOOKBACK_HOURS); the next pipeline run validates, cleans and loads them;
- cleanup_staging: `deno task cleanup` deletes the staging objects of batches loaded more than
  PIPELINE_STAGING_RETENTION_DAYS (default 7) ago. Raw files, quarantine objects and the warehouse are kept.
Same runners, pools, retries and alerts as the pipeline DAG.
"""

from __future__ import annotations

import sys
from pathlib import Path
from datetime import datetime, timezone

from airflow.sdk import DAG

# Airflow puts its DAG folder on sys.path; a DagBag of another folder (the tests) does not.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from socialpulse_lib.runners import chain_steps
from socialpulse_lib.settings import load
from socialpulse_lib.steps import MAINTENANCE_STEPS

settings = load()

with DAG(
    dag_id="socialpulse_maintenance",
    description="daily: full scan of raw files, cleanup of old staging objects",
    schedule=settings.maintenance_schedule,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["socialpulse", "maintenance", f"runner:{settings.runner}"],
    doc_md=__doc__,
) as dag:
    chain_steps(dag, MAINTENANCE_STEPS, settings, {"retention_days": str(settings.staging_retention_days)})
