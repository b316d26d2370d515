"""Alert callbacks: they hand what happened to `deno task notify` (src/alerts/), which keeps the incident and digest
state in the warehouse (etl.alert_*) and sends the mail through src/clients/mail.ts.

- task failure (after its last retry; a retry calls no callback): `notify failure`, one mail per incident;
- task success: `notify step` records the step's JSON summary (its XCom) and closes the task's open incident,
  which sends one "recovered" mail;
- DAG run success or failure: `notify run`, which sends the success digest (ALERT_ON_SUCCESS) and quality warnings.

The DAG-level callbacks read no XCom (under `airflow dags test` that raises): the step summaries are already in the
warehouse. A callback never raises: a broken notifier or SMTP server is logged, and the task's state stands.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections import deque
from pathlib import Path
from typing import Any

log = logging.getLogger("socialpulse.alerts")

LOG_TAIL_LINES = 30
MAX_FIELD_CHARS = 8000


def _settings():
    from socialpulse_lib.settings import load

    return load()


def _notify_command(kind: str, event: dict[str, Any]) -> list[str]:
    """The `deno task` arguments of one notification."""
    return ["notify", kind, "--event", json.dumps(event, default=str, separators=(",", ":"))]


def notify(kind: str, event: dict[str, Any]) -> None:
    """Run `deno task notify <kind>` with the runner of the DAG; log its outcome; never raise."""
    try:
        settings = _settings()
        args = _notify_command(kind, event)
        if settings.runner == "docker":
            output = _run_in_container(settings, args)
        else:
            done = subprocess.run(
                [settings.deno, "task", *args],
                cwd=settings.project_dir,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            output = (done.stdout or "").strip().splitlines()[-1:] or [""]
            if done.returncode != 0:
                log.error("notify %s exited with %s: %s", kind, done.returncode, (done.stderr or "")[-2000:])
                return
            output = output[0]
        log.info("notify %s: %s", kind, output)
    except Exception:  # noqa: BLE001 - an alert must never change the outcome of a task
        log.exception("notify %s failed", kind)


def _run_in_container(settings, args: list[str]) -> str:
    """Run the notify task as a container of the task image, like the steps (production)."""
    import docker

    from socialpulse_lib.settings import task_environment

    public, secret = task_environment()
    client = docker.DockerClient(base_url=settings.docker_url)
    try:
        out = client.containers.run(
            settings.task_image,
            command=args,
            environment={**public, **secret},
            network=settings.docker_network,
            remove=True,
            stdout=True,
            stderr=False,
        )
        return out.decode("utf-8", "replace").strip().splitlines()[-1]
    finally:
        client.close()


def _ti_fields(context: dict[str, Any]) -> dict[str, Any]:
    ti = context["ti"]
    return {
        "dag_id": ti.dag_id,
        "run_id": ti.run_id,
        "task_id": ti.task_id,
        "try_number": ti.try_number,
    }


def _step_output_file(context: dict[str, Any]) -> Path:
    """The local runner's copy of this task try's output (runners.step_output_path, rendered)."""
    ti = context["ti"]
    return Path(_settings().step_output_dir) / ti.dag_id / ti.run_id / f"{ti.task_id}.{ti.try_number}.log"


def _tail(path: Path, lines: int) -> str | None:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as f:
            return "".join(deque(f, maxlen=lines))
    except OSError:
        return None


def log_tail(context: dict[str, Any], lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of the task try's output: the local runner's copy, else Airflow's log file of the try (the
    scheduler writes one), else the container's log lines that DockerOperator attaches to its exception."""
    ti = context["ti"]
    candidates = [_step_output_file(context)]
    try:
        from airflow.configuration import conf

        base = Path(conf.get("logging", "base_log_folder"))
        candidates.append(
            base / f"dag_id={ti.dag_id}" / f"run_id={ti.run_id}" / f"task_id={ti.task_id}" / f"attempt={ti.try_number}.log"
        )
    except Exception:  # noqa: BLE001
        pass
    for path in candidates:
        text = _tail(path, lines)
        if text:
            return text[-MAX_FIELD_CHARS:]
    logs = getattr(context.get("exception"), "logs", None)
    if isinstance(logs, list) and logs:
        return "\n".join(str(x) for x in logs[-lines:])[-MAX_FIELD_CHARS:]
    return ""


def step_error(tail: str) -> str | None:
    """The error message of the step's own JSON summary (the last line it printed), if the tail ends with it."""
    for line in reversed(tail.strip().splitlines()):
        line = line.strip()
        start = line.find('{"task"')
        if start < 0:
            continue
        try:
            summary = json.loads(line[start:])
        except ValueError:
            return None
        error = summary.get("error") if isinstance(summary, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return f"{error.get('name', 'Error')}: {error['message']}"
        return None
    return None


def _log_url(context: dict[str, Any]) -> str:
    try:
        return str(context["ti"].log_url)
    except Exception:  # noqa: BLE001
        return ""


def on_task_failure(context: dict[str, Any]) -> None:
    """A step failed for good (its retries are spent): open or extend the task's incident."""
    try:
        exc = context.get("exception")
        tail = log_tail(context)
        airflow_error = (
            f"{type(exc).__name__}: {exc}"
            if exc is not None
            else "the task's process ended without an error of its own (killed, timed out, or it lost contact with "
            "Airflow's API); see the log"
        )
        own = step_error(tail)
        event = {
            **_ti_fields(context),
            "error": (f"{own}\n({airflow_error})" if own else airflow_error)[:MAX_FIELD_CHARS],
            "log_url": _log_url(context),
            "log_tail": tail,
        }
    except Exception:  # noqa: BLE001
        log.exception("could not describe the failure")
        return
    notify("failure", event)


def on_task_success(context: dict[str, Any]) -> None:
    """A step succeeded: record its summary (the XCom its operator pushed) and close its incident if one is open."""
    try:
        ti = context["ti"]
        summary = ti.xcom_pull(task_ids=ti.task_id)
        event = {**_ti_fields(context), "summary": summary if isinstance(summary, str) else json.dumps(summary)}
    except Exception:  # noqa: BLE001
        log.exception("could not read the step summary")
        return
    try:
        _step_output_file(context).unlink(missing_ok=True)
    except Exception:  # noqa: BLE001
        log.warning("could not delete the step's output copy", exc_info=True)
    notify("step", event)


def _run_event(context: dict[str, Any], state: str) -> dict[str, Any]:
    run = context["dag_run"]
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": state,
        "started_at": getattr(run, "start_date", None),
        "finished_at": getattr(run, "end_date", None),
    }


def on_dag_success(context: dict[str, Any]) -> None:
    """A pipeline run succeeded: the digest (per ALERT_ON_SUCCESS) and quality warnings."""
    try:
        event = _run_event(context, "success")
    except Exception:  # noqa: BLE001
        log.exception("could not describe the run")
        return
    notify("run", event)
    try:
        run = context["dag_run"]
        # The local runner's output copies of this run's tasks were deleted one by one; drop their folder.
        (Path(_settings().step_output_dir) / run.dag_id / run.run_id).rmdir()
    except OSError:
        pass
    except Exception:  # noqa: BLE001
        log.warning("could not remove the run's output folder", exc_info=True)


def on_dag_failure(context: dict[str, Any]) -> None:
    """A pipeline run failed: counted in the digest (the failing task's own callback sends the failure mail)."""
    try:
        event = _run_event(context, "failed")
    except Exception:  # noqa: BLE001
        log.exception("could not describe the run")
        return
    notify("run", event)
