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
import os
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


def log_tail(context: dict[str, Any], lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of the task try's log file, if this machine has it (the local log folder)."""
    ti = context["ti"]
    try:
        from airflow.configuration import conf

        base = Path(conf.get("logging", "base_log_folder"))
    except Exception:  # noqa: BLE001
        return ""
    candidates = [
        base / f"dag_id={ti.dag_id}" / f"run_id={ti.run_id}" / f"task_id={ti.task_id}" / f"attempt={ti.try_number}.log"
    ]
    for path in candidates:
        try:
            with path.open("r", encoding="utf-8", errors="replace") as f:
                tail = deque(f, maxlen=lines)
            return "".join(tail)[-MAX_FIELD_CHARS:]
        except OSError:
            continue
    return ""


def _log_url(context: dict[str, Any]) -> str:
    try:
        return str(context["ti"].log_url)
    except Exception:  # noqa: BLE001
        return ""


def on_task_failure(context: dict[str, Any]) -> None:
    """A step failed for good (its retries are spent): open or extend the task's incident."""
    try:
        exc = context.get("exception")
        event = {
            **_ti_fields(context),
            "error": (f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error")[:MAX_FIELD_CHARS],
            "log_url": _log_url(context),
            "log_tail": log_tail(context),
            "host": os.uname().nodename,
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


def on_dag_failure(context: dict[str, Any]) -> None:
    """A pipeline run failed: counted in the digest (the failing task's own callback sends the failure mail)."""
    try:
        event = _run_event(context, "failed")
    except Exception:  # noqa: BLE001
        log.exception("could not describe the run")
        return
    notify("run", event)
