"""One DAG, two runners (SOCIALPULSE_RUNNER): each step becomes a DockerOperator running the task image in
production, or a BashOperator running `deno task ...` in the project folder on a machine without Docker. Both get
the same task id, pool, timeout, retries and callbacks, so the task graph is the same in both modes.

Both operators push the last line of the task's output to XCom: the step's one-line JSON summary.
"""

from __future__ import annotations

import shlex
from typing import Any

from airflow.sdk import DAG

from socialpulse_lib import alerts
from socialpulse_lib.settings import Settings, task_environment
from socialpulse_lib.steps import Step

# Where the task image keeps the model runner's artifacts (docker/Dockerfile: RUNNER_TARGET_DIR).
RUNNER_TARGET_DIR = "/var/lib/socialpulse/target"


def common_arguments(step: Step, settings: Settings) -> dict[str, Any]:
    """What every step's operator gets, whatever the runner."""
    return {
        "task_id": step.task_id,
        "pool": step.pool,
        "execution_timeout": step.timeout,
        "retries": settings.retries,
        "retry_delay": settings.retry_delay,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": settings.max_retry_delay,
        "do_xcom_push": True,
        "on_failure_callback": [alerts.on_task_failure],
        "on_success_callback": [alerts.on_task_success],
    }


def step_output_path(settings: Settings) -> str:
    """Where the local runner keeps a copy of a task try's output (a Jinja template), for the failure mail's last
    log lines: `airflow dags test` writes no task log files. The success callback deletes it."""
    return f"{settings.step_output_dir}/{{{{ dag.dag_id }}}}/{{{{ run_id }}}}/{{{{ task.task_id }}}}.{{{{ ti.try_number }}}}.log"


def local_command(settings: Settings, args: tuple[str, ...]) -> str:
    """`deno task <args>` in the project folder, its output (stdout and stderr) also copied to step_output_path; the
    exit code is the task's (pipefail), and the last line of output is still its JSON summary."""
    return (
        f'set -o pipefail; out="{step_output_path(settings)}"; mkdir -p "$(dirname "$out")"; '
        f'{shlex.quote(settings.deno)} task {shlex.join(args)} 2>&1 | tee "$out"'
    )


def step_operator(dag: DAG, step: Step, settings: Settings, args: tuple[str, ...] | None = None):
    """The operator of one step for the configured runner (args: the step's arguments with placeholders filled)."""
    args = step.args if args is None else args
    common = common_arguments(step, settings)
    if settings.runner == "docker":
        from airflow.providers.docker.operators.docker import DockerOperator
        from docker.types import Mount

        public, secret = task_environment()
        return DockerOperator(
            dag=dag,
            image=settings.task_image,
            # The image's entrypoint is `deno task`.
            command=list(args),
            environment=public,
            private_environment=secret,
            network_mode=settings.docker_network,
            docker_url=settings.docker_url,
            mount_tmp_dir=False,
            auto_remove="success",
            mounts=[Mount(target=RUNNER_TARGET_DIR, source=settings.runner_target_volume, type="volume")],
            **common,
        )
    from airflow.providers.standard.operators.bash import BashOperator

    return BashOperator(
        dag=dag,
        bash_command=local_command(settings, args),
        cwd=settings.project_dir,
        append_env=True,
        # Exit code 99 is a failure like any other, not "skipped".
        skip_on_exit_code=None,
        **common,
    )


def chain_steps(dag: DAG, steps: tuple[Step, ...], settings: Settings, fill: dict[str, str] | None = None) -> list:
    """One operator per step, each downstream of the one before, in the order declared."""
    ops = [step_operator(dag, s, settings, tuple(a.format(**(fill or {})) for a in s.args)) for s in steps]
    for upstream, downstream in zip(ops, ops[1:]):
        upstream >> downstream
    return ops
