"""DAG integrity: both DAGs import, the pipeline runs the declared steps in order, every task has its pool, timeout,
retries and alert callbacks, the Docker runner gets the right DockerOperator arguments, and the task graph is the same
with either runner. Run by `deno task test` (tests/airflow_dags_test.ts) or `pytest dags/tests` in the Airflow venv."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from socialpulse_lib import alerts, runners, settings, steps

DAGS = Path(__file__).resolve().parents[1]
PROJECT = DAGS.parent
EXPECTED_PIPELINE = [
    "extract",
    "validate",
    "clean",
    "load",
    "models",
    "graph_sync",
    "graph_metrics",
    "marts",
    "export",
]


def dagbag(monkeypatch: pytest.MonkeyPatch, **env: str) -> DagBag:
    for name in ("SOCIALPULSE_RUNNER", "PIPELINE_SCHEDULE", "DOCKER_URL", "SOCIALPULSE_DOCKER_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}, bag.import_errors
    return bag


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> DagBag:
    return dagbag(monkeypatch, SOCIALPULSE_RUNNER="local")


@pytest.fixture
def docker(monkeypatch: pytest.MonkeyPatch) -> DagBag:
    return dagbag(
        monkeypatch,
        SOCIALPULSE_RUNNER="docker",
        POSTGRES_PASSWORD="pg-secret",
        S3_SECRET_KEY="s3-secret",
        S3_ACCESS_KEY="s3-key",
        POSTGRES_HOST="postgres",
        LOG_LEVEL="DEBUG",
        UNRELATED_VARIABLE="x",
    )


def test_both_dags_import_without_errors(local: DagBag) -> None:
    assert sorted(local.dag_ids) == ["socialpulse", "socialpulse_maintenance"]


def test_pipeline_runs_the_steps_in_order_as_a_chain(local: DagBag) -> None:
    dag = local.dags["socialpulse"]
    order = [t.task_id for t in dag.topological_sort()]
    assert order[: len(EXPECTED_PIPELINE)] == EXPECTED_PIPELINE
    assert order == [s.task_id for s in steps.PIPELINE_STEPS]
    for upstream, downstream in zip(order, order[1:]):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert dag.get_task(order[0]).upstream_task_ids == set()


def test_pipeline_schedule_and_concurrency(local: DagBag, monkeypatch: pytest.MonkeyPatch) -> None:
    dag = local.dags["socialpulse"]
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert settings.load({}).schedule == "* * * * *"
    assert settings.parse_schedule("90s") == timedelta(seconds=90)
    assert settings.parse_schedule("*/5 * * * *") == "*/5 * * * *"
    with pytest.raises(settings.SettingsError, match="PIPELINE_SCHEDULE"):
        settings.parse_schedule("every minute")
    every_90s = dagbag(monkeypatch, PIPELINE_SCHEDULE="90s").dags["socialpulse"]
    assert every_90s.schedule == timedelta(seconds=90)
    assert dag.schedule == "* * * * *"


def test_every_task_has_pool_timeout_retries_and_callbacks(local: DagBag) -> None:
    for dag_id in ("socialpulse", "socialpulse_maintenance"):
        for task in local.dags[dag_id].tasks:
            assert task.pool in steps.POOLS, f"{task.task_id}: pool {task.pool}"
            assert isinstance(task.execution_timeout, timedelta) and task.execution_timeout > timedelta(0)
            assert task.retries == 2
            assert task.retry_exponential_backoff == 2.0
            assert task.max_retry_delay == timedelta(seconds=120)
            assert alerts.on_task_failure in task.on_failure_callback
            assert alerts.on_task_success in task.on_success_callback
            assert task.do_xcom_push is True
    pipeline = local.dags["socialpulse"]
    assert pipeline.on_success_callback == alerts.on_dag_success or alerts.on_dag_success in pipeline.on_success_callback
    assert pipeline.on_failure_callback == alerts.on_dag_failure or alerts.on_dag_failure in pipeline.on_failure_callback


def test_clickhouse_pool_has_one_slot(local: DagBag) -> None:
    assert steps.POOLS["clickhouse"][0] == 1
    pipeline = local.dags["socialpulse"]
    assert [t for t in EXPECTED_PIPELINE if pipeline.get_task(t).pool == "clickhouse"] == ["marts", "export"]


def test_marts_build_only_the_marts_after_the_graph_metrics(local: DagBag) -> None:
    pipeline = local.dags["socialpulse"]
    assert "deno task models build path:models/marts 2>&1" in pipeline.get_task("marts").bash_command
    assert "deno task graph metrics 2>&1" in pipeline.get_task("graph_metrics").bash_command
    assert pipeline.get_task("graph_metrics").pool == "neo4j"
    assert "deno task export 2>&1" in pipeline.get_task("export").bash_command
    assert pipeline.get_task("export").downstream_task_ids == set()


def test_local_runner_runs_deno_task_in_the_project_folder(local: DagBag) -> None:
    from airflow.providers.standard.operators.bash import BashOperator

    for step in steps.PIPELINE_STEPS:
        task = local.dags["socialpulse"].get_task(step.task_id)
        assert isinstance(task, BashOperator)
        assert f"deno task {' '.join(step.args)} 2>&1" in task.bash_command
        assert "set -o pipefail" in task.bash_command
        assert task.cwd == str(PROJECT)
        assert task.append_env is True
        assert 99 not in task.skip_on_exit_code  # no exit code means "skipped"


def test_docker_runner_arguments(docker: DagBag) -> None:
    from airflow.providers.docker.operators.docker import DockerOperator

    for step in steps.PIPELINE_STEPS:
        task = docker.dags["socialpulse"].get_task(step.task_id)
        assert isinstance(task, DockerOperator)
        assert task.image == "socialpulse-tasks:latest"
        assert task.command == list(step.args)
        assert task.network_mode == "socialpulse"
        assert task.docker_url == "tcp://docker-socket-proxy:2375"
        assert task.mount_tmp_dir is False
        assert task.auto_remove == "success"
        # Secrets only in private_environment, which Airflow does not render or show.
        assert task._private_environment["POSTGRES_PASSWORD"] == "pg-secret"
        assert task._private_environment["S3_SECRET_KEY"] == "s3-secret"
        assert task._private_environment["S3_ACCESS_KEY"] == "s3-key"
        assert "POSTGRES_PASSWORD" not in task.environment
        assert "S3_SECRET_KEY" not in task.environment
        assert task.environment["POSTGRES_HOST"] == "postgres"
        assert task.environment["LOG_LEVEL"] == "DEBUG"
        assert "UNRELATED_VARIABLE" not in task.environment
        assert [(m["Target"], m["Source"], m["Type"]) for m in task.mounts] == [
            (runners.RUNNER_TARGET_DIR, "socialpulse_runner-target", "volume")
        ]


def test_docker_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    bag = dagbag(monkeypatch, SOCIALPULSE_RUNNER="docker", DOCKER_URL="tcp://proxy.example:2375")
    assert bag.dags["socialpulse"].get_task("extract").docker_url == "tcp://proxy.example:2375"


def _graph(bag: DagBag) -> dict:
    out = {}
    for dag_id in ("socialpulse", "socialpulse_maintenance"):
        dag = bag.dags[dag_id]
        out[dag_id] = {
            "schedule": dag.schedule,
            "tasks": {
                t.task_id: (
                    sorted(t.upstream_task_ids),
                    t.pool,
                    t.execution_timeout,
                    t.retries,
                    t.retry_delay,
                    [c.__name__ for c in t.on_failure_callback],
                    [c.__name__ for c in t.on_success_callback],
                )
                for t in dag.tasks
            },
        }
    return out


def test_the_task_graph_is_identical_with_both_runners(local: DagBag, monkeypatch: pytest.MonkeyPatch) -> None:
    local_graph = _graph(local)
    docker_graph = _graph(dagbag(monkeypatch, SOCIALPULSE_RUNNER="docker"))
    assert local_graph == docker_graph
    assert type(local.dags["socialpulse"].get_task("load")).__name__ == "BashOperator"


def test_a_bad_runner_name_is_an_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALPULSE_RUNNER", "kubernetes")
    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors, "expected an import error"
    assert all("SOCIALPULSE_RUNNER='kubernetes' is invalid" in e for e in bag.import_errors.values())


def test_maintenance_runs_full_scan_then_cleanup_with_the_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    dag = dagbag(monkeypatch, PIPELINE_STAGING_RETENTION_DAYS="3").dags["socialpulse_maintenance"]
    assert [t.task_id for t in dag.topological_sort()] == ["full_scan", "cleanup_staging"]
    assert "deno task extract --full-scan" in dag.get_task("full_scan").bash_command
    assert "deno task cleanup --older-than-days 3" in dag.get_task("cleanup_staging").bash_command
    assert dag.max_active_runs == 1 and dag.catchup is False


def test_local_command_keeps_the_exit_code_and_the_summary_last(tmp_path: Path) -> None:
    fake = tmp_path / "deno"
    fake.write_text('#!/bin/sh\necho "log line" >&2\necho \'{"task":"x","status":"error"}\'\nexit 3\n')
    fake.chmod(0o755)
    s = settings.load({"SOCIALPULSE_DENO": str(fake), "SOCIALPULSE_STEP_OUTPUT_DIR": str(tmp_path / "out")})
    command = runners.local_command(s, ("extract",))
    rendered = (
        command.replace("{{ dag.dag_id }}", "d").replace("{{ run_id }}", "r").replace("{{ task.task_id }}", "t")
    ).replace("{{ ti.try_number }}", "1")
    done = subprocess.run(["bash", "-c", rendered], capture_output=True, text=True, check=False)
    assert done.returncode == 3
    assert done.stdout.strip().splitlines()[-1] == '{"task":"x","status":"error"}'
    copy = (tmp_path / "out" / "d" / "r" / "t.1.log").read_text()
    assert "log line" in copy and copy.strip().endswith('"status":"error"}')


def test_step_error_reads_the_tasks_own_summary() -> None:
    tail = 'something\n[info] {"task":"load","status":"error","duration_ms":3,"error":{"name":"E","message":"boom"}}\n'
    assert alerts.step_error(tail) == "E: boom"
    assert alerts.step_error("no summary here") is None
