"""Everything the DAG files read from the environment, in one place, with its default.

The pipeline tasks themselves read their configuration in TypeScript (src/config.ts); this module only holds what
Airflow needs to schedule and start them.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

RUNNERS = ("local", "docker")

# Variables of src/config.ts (and of the generator and the runner) are passed on to a task container by prefix;
# names that hold secrets go into DockerOperator's private_environment, which Airflow never renders or logs.
TASK_ENV_PREFIXES = (
    "LOG_",
    "S3_",
    "POSTGRES_",
    "CLICKHOUSE_",
    "NEO4J_",
    "PIPELINE_",
    "SMTP_",
    "ALERT_",
    "RUNNER_",
    "GENERATOR_",
    "GRAPH_",
    "EXPORT_",
)
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|ACCESS_KEY|TOKEN)$")


class SettingsError(ValueError):
    """A DAG setting in the environment is malformed; the message names the variable and what is expected."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is invalid: expected an integer >= {minimum}") from None
    if value < minimum:
        raise SettingsError(f"{name}={raw!r} is invalid: expected an integer >= {minimum}")
    return value


_DURATION = re.compile(r"^(\d+)\s*([smhd])$")


def parse_schedule(raw: str) -> str | timedelta:
    """PIPELINE_SCHEDULE: a cron expression ("* * * * *") or a duration ("90s", "5m", "1h", "1d")."""
    raw = raw.strip()
    m = _DURATION.match(raw)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if n <= 0:
            raise SettingsError(f"PIPELINE_SCHEDULE={raw!r} is invalid: a duration must be positive")
        units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
        return timedelta(**{units[unit]: n})
    if len(raw.split()) in (5, 6) or raw.startswith("@"):
        return raw
    raise SettingsError(
        f"PIPELINE_SCHEDULE={raw!r} is invalid: expected a cron expression like '* * * * *' or a duration like '90s'"
    )


@dataclass(frozen=True)
class Settings:
    runner: str
    schedule: str | timedelta
    maintenance_schedule: str
    retries: int
    retry_delay: timedelta
    max_retry_delay: timedelta
    staging_retention_days: int
    # local runner
    project_dir: str
    deno: str
    step_output_dir: str
    # docker runner
    task_image: str
    docker_url: str
    docker_network: str
    runner_target_volume: str


def load(env: dict[str, str] | None = None) -> Settings:
    """The settings from an environment map (default: this process's)."""
    env = dict(os.environ) if env is None else env
    runner = env.get("SOCIALPULSE_RUNNER", "").strip() or "local"
    if runner not in RUNNERS:
        raise SettingsError(f"SOCIALPULSE_RUNNER={runner!r} is invalid: expected one of {', '.join(RUNNERS)}")
    return Settings(
        runner=runner,
        schedule=parse_schedule(env.get("PIPELINE_SCHEDULE", "").strip() or "* * * * *"),
        maintenance_schedule=env.get("PIPELINE_MAINTENANCE_SCHEDULE", "").strip() or "30 3 * * *",
        retries=_int(env, "PIPELINE_RETRIES", 2),
        retry_delay=timedelta(seconds=_int(env, "PIPELINE_RETRY_DELAY_SECONDS", 10, minimum=1)),
        max_retry_delay=timedelta(seconds=_int(env, "PIPELINE_MAX_RETRY_DELAY_SECONDS", 120, minimum=1)),
        staging_retention_days=_int(env, "PIPELINE_STAGING_RETENTION_DAYS", 7, minimum=1),
        project_dir=env.get("SOCIALPULSE_PROJECT_DIR", "").strip() or str(Path(__file__).resolve().parents[2]),
        deno=env.get("SOCIALPULSE_DENO", "").strip() or "deno",
        step_output_dir=env.get("SOCIALPULSE_STEP_OUTPUT_DIR", "").strip()
        or os.path.join(tempfile.gettempdir(), "socialpulse-steps"),
        task_image=env.get("SOCIALPULSE_TASK_IMAGE", "").strip() or "socialpulse-tasks:latest",
        # DOCKER_URL; SOCIALPULSE_DOCKER_URL is the name docker/compose.yml used first.
        docker_url=env.get("DOCKER_URL", "").strip()
        or env.get("SOCIALPULSE_DOCKER_URL", "").strip()
        or "tcp://docker-socket-proxy:2375",
        docker_network=env.get("SOCIALPULSE_DOCKER_NETWORK", "").strip() or "socialpulse",
        runner_target_volume=env.get("SOCIALPULSE_RUNNER_TARGET_VOLUME", "").strip() or "socialpulse_runner-target",
    )


def task_environment(env: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The task container's environment split into (public, secret), from the variables Airflow itself received
    (compose gives the Airflow services the shared .env)."""
    env = dict(os.environ) if env is None else env
    public: dict[str, str] = {}
    secret: dict[str, str] = {}
    for name, value in sorted(env.items()):
        if not name.startswith(TASK_ENV_PREFIXES):
            continue
        (secret if SECRET_NAME.search(name) else public)[name] = value
    return public, secret
