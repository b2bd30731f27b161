"""The GitHub Actions workflow (.github/workflows/ci.yml) and its rabbitmqctl wrapper: what can
be checked without GitHub or Docker. The jobs themselves have not run on the development
machines (no Docker engine there); README.md says so."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
WRAPPER = ROOT / ".github" / "scripts" / "rabbitmqctl-in-container"
SERVICES = ("PIPELINE", "TICKET", "CHANNELS", "NOTIFIER")


@pytest.fixture(scope="module")
def jobs() -> dict[str, Any]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(workflow, dict)
    jobs: dict[str, Any] = workflow["jobs"]
    return jobs


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def step_running(job: dict[str, Any], command: str) -> dict[str, Any]:
    [step] = [step for step in job["steps"] if command in step.get("run", "")]
    return step


def test_the_workflow_has_the_test_the_mongodb_and_the_compose_job(jobs: dict[str, Any]) -> None:
    assert set(jobs) == {"test", "mongodb", "compose"}


def test_the_test_job_runs_what_ci_runs_on_python_3_11_with_rabbitmq(
    jobs: dict[str, Any],
) -> None:
    test = jobs["test"]
    assert "bash .ci/run" in runs(test)
    assert test["services"]["rabbitmq"]["image"].startswith("rabbitmq:3.13")
    assert "--health-cmd" in test["services"]["rabbitmq"]["options"]
    [python] = [step for step in test["steps"] if "setup-python" in step.get("uses", "")]
    assert python["with"]["python-version"] == "${{ env.PYTHON_VERSION }}"
    assert yaml.safe_load(WORKFLOW.read_text())["env"]["PYTHON_VERSION"] == "3.11"


def test_the_mongodb_job_cannot_pass_by_skipping_the_storage_contract(
    jobs: dict[str, Any],
) -> None:
    mongodb = jobs["mongodb"]
    assert mongodb["env"]["TICKETFLOW_REQUIRE_MONGODB"] == "true"
    assert "replicaSet=rs0" in mongodb["env"]["MONGODB_URL"]
    contract = step_running(mongodb, "chassis/tests/store")["run"]
    assert 'grep -q "NOT RUN"' in contract
    assert "pipefail" in contract


def test_the_mongodb_job_runs_the_e2e_tests_with_every_service_on_mongodb(
    jobs: dict[str, Any],
) -> None:
    e2e = step_running(jobs["mongodb"], "tests/e2e")
    assert {f"{prefix}_STORE_URL" for prefix in SERVICES} <= set(e2e["env"])
    assert all(e2e["env"][f"{p}_STORE_URL"] == "${{ env.MONGODB_URL }}" for p in SERVICES)


def test_the_mongodb_job_starts_a_replica_set_and_waits_for_its_primary(
    jobs: dict[str, Any],
) -> None:
    script = "\n".join(runs(jobs["mongodb"]))
    assert "mongo:7 --replSet rs0" in script
    assert "rs.initiate(" in script
    assert "db.hello().isWritablePrimary" in script


def test_the_compose_job_sets_a_random_secret_and_runs_the_smoke_test(
    jobs: dict[str, Any],
) -> None:
    script = "\n".join(runs(jobs["compose"]))
    assert "secrets.token_urlsafe" in script
    assert "TICKETFLOW_JWT_SECRET=" in script
    assert "docker compose build" in script
    assert "docker compose up --detach --wait" in script
    assert "scripts/compose_smoke.py" in script
    teardown = step_running(jobs["compose"], "docker compose down")
    assert teardown["if"] == "always()"


def test_the_wrapper_puts_a_rabbitmqctl_on_path_that_runs_in_the_container(
    tmp_path: Path,
) -> None:
    runner_temp, github_path, fake_bin = tmp_path / "temp", tmp_path / "path", tmp_path / "bin"
    fake_bin.mkdir()
    docker = fake_bin / "docker"
    docker.write_text('#!/bin/sh\nprintf "%s|" "$@"\n')
    docker.chmod(0o755)
    env = dict(os.environ, RUNNER_TEMP=str(runner_temp), GITHUB_PATH=str(github_path))

    subprocess.run(["sh", str(WRAPPER), "c0ffee"], env=env, check=True, timeout=10)

    [added] = github_path.read_text().splitlines()
    env["PATH"] = os.pathsep.join([added, str(fake_bin), env["PATH"]])
    called = subprocess.run(
        ["rabbitmqctl", "set_permissions", "-p", "a vhost", "guest", ".*", ".*", ".*"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert called.stdout == "exec|c0ffee|rabbitmqctl|set_permissions|-p|a vhost|guest|.*|.*|.*|"


def test_the_wrapper_refuses_to_run_outside_github_actions(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "RUNNER_TEMP"}
    result = subprocess.run(
        ["sh", str(WRAPPER), "c0ffee"], env=env, capture_output=True, text=True, timeout=10
    )
    assert result.returncode != 0
    assert "RUNNER_TEMP is not set" in result.stderr
