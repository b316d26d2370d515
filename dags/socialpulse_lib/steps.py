"""The declared steps of the DAGs. Each step is one `deno task` that exits fast when there is nothing new and prints
its one-line JSON summary last on stdout (src/task.ts).

A later step joins the pipeline by adding one line to PIPELINE_STEPS (they run in the order listed); the task graph,
pools, timeouts, callbacks and both runners follow from the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# Pools per target system. The embedded ClickHouse engine (chDB) may be opened by one process at a time, so its pool
# has one slot; the others bound the load a burst of runs (the pipeline and maintenance together) puts on a service.
POOLS: dict[str, tuple[int, str]] = {
    "postgres": (4, "socialpulse tasks that write the PostgreSQL warehouse"),
    "clickhouse": (1, "socialpulse tasks that open ClickHouse (one at a time: chDB locks its data directory)"),
    "neo4j": (1, "socialpulse tasks that write the Neo4j graph"),
    "s3": (2, "socialpulse tasks that scan or delete many objects in the bucket"),
}


@dataclass(frozen=True)
class Step:
    """One task of a DAG: its id, the `deno task` arguments, the pool of the system it writes, its time limit."""

    task_id: str
    args: tuple[str, ...]
    pool: str
    timeout: timedelta


PIPELINE_STEPS: tuple[Step, ...] = (
    Step("extract", ("extract",), "postgres", timedelta(minutes=5)),
    Step("validate", ("validate",), "postgres", timedelta(minutes=10)),
    Step("clean", ("clean",), "postgres", timedelta(minutes=10)),
    Step("load", ("load",), "postgres", timedelta(minutes=10)),
    Step("models", ("models", "build", "path:seeds", "path:models/staging", "path:models/core"), "postgres",
         timedelta(minutes=15)),
    Step("graph_sync", ("graph", "sync"), "neo4j", timedelta(minutes=10)),
    # PageRank, friendship depth, degrees and cascades into PostgreSQL schema graph (skipped when they stand for the
    # graph's snapshot already).
    Step("graph_metrics", ("graph", "metrics"), "neo4j", timedelta(minutes=15)),
    # The ClickHouse marts, from the star schema and the graph's results.
    Step("marts", ("models", "build", "path:models/marts"), "clickhouse", timedelta(minutes=15)),
    # Every mart as CSV and Parquet for Tableau (EXPORT_DIR and the bucket, under date=YYYY-MM-DD/, replaced).
    Step("export", ("export",), "clickhouse", timedelta(minutes=10)),
)

MAINTENANCE_STEPS: tuple[Step, ...] = (
    Step("full_scan", ("extract", "--full-scan"), "s3", timedelta(minutes=30)),
    Step("cleanup_staging", ("cleanup", "--older-than-days", "{retention_days}"), "s3", timedelta(minutes=30)),
)
