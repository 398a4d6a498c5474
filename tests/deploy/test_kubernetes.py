"""examples/kubernetes: valid against the Kubernetes API schema, and consistent with the agent.

The schema check is offline (kubernetes-validate's bundled OpenAPI schemas, strict: unknown
fields are errors), for the oldest and newest Kubernetes versions the manifests claim. The
consistency checks use the agent's own parts: its CLI parser for every ``orc`` command line,
its settings model for the ConfigMap, and the graceful-stop arithmetic of docs/deployment.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kubernetes_validate.utils import latest_version, validate

from agent.config import Config
from tests.deploy.support import EXAMPLES, NOT_SETTINGS, documents, parse_orc, settings_names

FOLDER = EXAMPLES / "kubernetes"
FILES = sorted(FOLDER.glob("*.yaml"))
#: preStop's sleep action is on by default from 1.30.
OLDEST = "1.30.0"


def _all() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, doc) for path in FILES for doc in documents(path)]


def _kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in _all() if doc["kind"] == kind]


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_there_is_a_deployment_per_way_of_signing_in() -> None:
    names = {d["metadata"]["name"] for d in _kind("Deployment")}
    assert names == {"orc-agent", "orc-agent-key"}
    assert {"Namespace", "ConfigMap", "ServiceAccount", "Secret"} <= {d["kind"] for _, d in _all()}


@pytest.mark.parametrize("version", [OLDEST, latest_version() + ".0"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_valid_against_the_api_schema(path: Path, version: str) -> None:
    for doc in documents(path):
        validate(doc, version, strict=True)


def test_a_wrong_orc_command_line_is_caught() -> None:
    import click

    with pytest.raises(click.UsageError):
        parse_orc(["check", "--maxage", "3"])
    with pytest.raises(click.UsageError):
        parse_orc(["chek"])


def test_an_invalid_manifest_is_caught() -> None:
    from kubernetes_validate.utils import ValidationError

    deployment = _kind("Deployment")[0]
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "three"}}
    with pytest.raises(ValidationError):
        validate(broken, OLDEST, strict=True)


@pytest.mark.parametrize("name", ["orc-agent", "orc-agent-key"])
def test_deployment_runs_n_agents_with_orc_check_as_liveness(name: str) -> None:
    (deployment,) = [d for d in _kind("Deployment") if d["metadata"]["name"] == name]
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    container = _container(deployment)
    assert parse_orc(container["args"]).info_name == "run"
    for probe in ("livenessProbe", "startupProbe"):
        command = container[probe]["exec"]["command"]
        assert command[0] == "orc" and parse_orc(command[1:]).info_name == "check"
    env = {e["name"]: e for e in container["env"]}
    assert env["WORKER_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert set(env) - NOT_SETTINGS <= settings_names()


def _settings() -> Config:
    (configmap,) = _kind("ConfigMap")
    values = {k.lower(): v for k, v in configmap["data"].items()}
    return Config.load(worker_name="k8s-test", auth_mode="adc", **values)


def test_configmap_is_valid_agent_settings() -> None:
    settings = _settings()
    assert settings.lease_seconds > 2 * settings.heartbeat_seconds


@pytest.mark.parametrize("name", ["orc-agent", "orc-agent-key"])
def test_grace_period_covers_prestop_a_long_task_and_the_shutdown_writes(name: str) -> None:
    (deployment,) = [d for d in _kind("Deployment") if d["metadata"]["name"] == name]
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)
    settings = _settings()
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    longest_callback = int(deployment["metadata"]["annotations"]["orc/longest-callback-seconds"])
    shutdown_writes = 3 * settings.request_timeout_seconds
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + longest_callback + shutdown_writes
    # While callbacks finish, heartbeats keep renewing leases: a lease outlives two beats.
    assert settings.lease_seconds > 2 * settings.heartbeat_seconds


def test_liveness_tolerates_an_outage_and_costs_little_quota() -> None:
    settings = _settings()
    for deployment in _kind("Deployment"):
        container = _container(deployment)
        live = container["livenessProbe"]
        args = parse_orc(live["exec"]["command"][1:]).params
        assert args["max_age"] > 3 * settings.heartbeat_seconds
        reads_per_minute = deployment["spec"]["replicas"] * 60 / live["periodSeconds"]
        assert (
            reads_per_minute
            <= 0.1 * settings.read_quota_per_minute * deployment["spec"]["replicas"]
        )


def test_key_variant_reads_the_key_from_the_secret() -> None:
    (deployment,) = [d for d in _kind("Deployment") if d["metadata"]["name"] == "orc-agent-key"]
    container = _container(deployment)
    env = {e["name"]: e.get("value") for e in container["env"]}
    (secret,) = _kind("Secret")
    (volume,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if "secret" in v]
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
    key_name = Path(env["SERVICE_ACCOUNT_FILE"] or "").name
    assert env["SERVICE_ACCOUNT_FILE"] == f"{mount['mountPath']}/{key_name}"
    assert key_name in secret["stringData"] and mount["readOnly"] is True


def test_workload_identity_variant_uses_the_annotated_service_account() -> None:
    (deployment,) = [d for d in _kind("Deployment") if d["metadata"]["name"] == "orc-agent"]
    (account,) = _kind("ServiceAccount")
    assert (
        deployment["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]
    )
    assert account["metadata"]["annotations"]["iam.gke.io/gcp-service-account"].endswith(
        ".iam.gserviceaccount.com"
    )
    env = {e["name"]: e.get("value") for e in _container(deployment)["env"]}
    assert env["AUTH_MODE"] == "adc" and "SERVICE_ACCOUNT_FILE" not in env
