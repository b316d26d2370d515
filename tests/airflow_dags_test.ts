/**
 * Runs the pytest DAG integrity tests (dags/tests/) with the Airflow virtualenv of dev/airflow/setup.sh, so that
 * `deno task test` covers them: imports, task order, callbacks, pools, timeouts, DockerOperator arguments, identical
 * graphs with both runners.
 */
import { ok } from "node:assert/strict";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { airflowBin } from "../src/orchestration/airflow.ts";

Deno.test("the DAGs pass their pytest integrity tests", async () => {
  const python = await airflowBin(config(), "python");
  const home = await Deno.makeTempDir({ prefix: "socialpulse-airflow-pytest-" });
  try {
    const out = await new Deno.Command(python, {
      args: ["-m", "pytest", "-q", "-p", "no:cacheprovider", "dags/tests"],
      cwd: PROJECT_ROOT,
      env: { AIRFLOW_HOME: home, PYTHONDONTWRITEBYTECODE: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    ok(out.success, `pytest failed (exit ${out.code}):\n${text.slice(-6000)}`);
    ok(/\d+ passed/.test(text), `pytest ran no test:\n${text.slice(-2000)}`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
