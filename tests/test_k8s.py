"""The Kubernetes recipe in deploy/k8s/: every manifest is valid for the Kubernetes API
(kubernetes-validate, strict), and it does what the app needs: probes on /healthz and /readyz,
a grace period longer than the stream drain, migrations before the app, unbuffered streams at the
ingress, an autoscaler and a disruption budget for the same pods. No cluster runs here."""

import runpy
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
MANIFESTS = sorted((REPO / "deploy" / "k8s").glob("*.yaml"))
VALIDATE = Path(sys.executable).parent / "kubernetes-validate"


def _validate(*paths):
    return subprocess.run(
        [str(VALIDATE), "--strict", *map(str, paths)], capture_output=True, text=True, timeout=120
    )


def _resources():
    """{kind: resource} of every manifest (one resource per kind in this recipe)."""
    resources = {}
    for path in MANIFESTS:
        for resource in yaml.safe_load_all(path.read_text()):
            assert resource["kind"] not in resources, f"two {resource['kind']}s"
            resources[resource["kind"]] = resource
    return resources


def test_every_manifest_is_valid_for_the_kubernetes_api():
    assert {path.name for path in MANIFESTS} >= {"deployment.yaml", "service.yaml", "ingress.yaml"}
    result = _validate(*MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(MANIFESTS), result.stdout


def test_the_validator_refuses_a_wrong_manifest(tmp_path):
    """The check above can fail: a Deployment with a misspelt field and a count as text."""
    wrong = tmp_path / "wrong.yaml"
    deployment = _resources()["Deployment"]
    deployment["spec"]["replicas"] = "two"
    deployment["spec"]["template"]["spec"]["terminationGraceSeconds"] = 30
    wrong.write_text(yaml.safe_dump(deployment))
    result = _validate(wrong)
    assert result.returncode != 0, result.stdout


def test_the_pods_are_probed_and_stopped_the_way_the_app_needs():
    pod = _resources()["Deployment"]["spec"]["template"]["spec"]
    [app] = pod["containers"]
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert app["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]

    drain = runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))["graceful_timeout"]
    pre_stop = app["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > int(pre_stop[1]) + drain, (
        "Kubernetes would kill the pod before gunicorn's drain ends"
    )
    [migrate] = pod["initContainers"]
    assert migrate["command"] == ["pubquiz", "migrate"] and migrate["image"] == app["image"]


def test_the_ingress_keeps_streams_unbuffered_and_open():
    ingress = _resources()["Ingress"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    [rule] = ingress["spec"]["rules"]
    assert (
        rule["http"]["paths"][0]["backend"]["service"]["name"] == _resources()["Service"]["metadata"]["name"]
    )


def test_the_autoscaler_and_the_disruption_budget_cover_the_app_pods():
    resources = _resources()
    deployment = resources["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    hpa = resources["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert 2 <= hpa["minReplicas"] < hpa["maxReplicas"]
    budget = resources["PodDisruptionBudget"]["spec"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget.get("maxUnavailable", 1) < hpa["minReplicas"]
    assert resources["Service"]["spec"]["selector"].items() <= labels.items()
