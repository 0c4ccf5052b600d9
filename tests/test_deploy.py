"""The Kubernetes manifests in deploy/: valid against the schemas, and consistent.

Built-in kinds are checked against the Kubernetes JSON schemas that `kubernetes-validate`
ships (strict: an unknown field is an error); KEDA's kinds against the openAPIV3Schema of
its CRDs, vendored in deploy/schemas/. Neither needs the network or a cluster.
"""

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from bench.capacity import COSTS_FILE, Video, load_costs, plan
from common.amqp.topology import Topology
from common.settings import Settings
from common.stages import STAGE_NAMES
from gateway.settings import GatewaySettings
from svc_captions.settings import CaptionsSettings
from svc_footage.settings import FootageSettings
from svc_queries.settings import QueriesSettings
from svc_render.settings import RenderSettings
from svc_tts.settings import TtsSettings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
KUBERNETES_VERSION = "1.30.0"
KEDA_SCHEMAS = {
    "ScaledObject": "keda.sh_scaledobjects_v1alpha1.json",
    "TriggerAuthentication": "keda.sh_triggerauthentications_v1alpha1.json",
}
SETTINGS_OF_SERVICE: dict[str, type[Settings]] = {
    "gateway": GatewaySettings,
    "svc_tts": TtsSettings,
    "svc_captions": CaptionsSettings,
    "svc_queries": QueriesSettings,
    "svc_footage": FootageSettings,
    "svc_render": RenderSettings,
}


def manifest_files() -> list[Path]:
    return sorted(path for path in DEPLOY.glob("*.yaml") if path.name != "kustomization.yaml")


def resources() -> list[dict[str, Any]]:
    found = []
    for path in manifest_files():
        found.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return found


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in resources() if doc["kind"] == kind}


def closed(schema: Any) -> Any:
    """The schema with unknown fields refused, as the API server prunes (drops) them."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


def env_names(container: dict[str, Any]) -> set[str]:
    names = {variable["name"] for variable in container.get("env", [])}
    config_maps = of_kind("ConfigMap")
    for source in container.get("envFrom", []):
        names |= set(config_maps[source["configMapRef"]["name"]]["data"])
    return names


def settings_names(settings_class: type[Settings]) -> set[str]:
    return {f"T2V_{field.upper()}" for field in settings_class.model_fields}


def test_every_builtin_manifest_matches_the_kubernetes_schema() -> None:
    """Given the manifests, when each built-in kind is validated strictly, then none fails."""
    builtin = [doc for doc in resources() if doc["kind"] not in KEDA_SCHEMAS]
    assert {doc["kind"] for doc in builtin} >= {
        "Deployment",
        "Service",
        "ConfigMap",
        "Secret",
        "PersistentVolumeClaim",
    }
    for doc in builtin:
        # Raises ValidationError naming the field, or SchemaNotFoundError for an unknown kind.
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_check_refuses_a_misspelt_field() -> None:
    """Given a Deployment with a typo, when it is validated strictly, then it is refused."""
    deployment = of_kind("Deployment")["t2v-tts"]
    misspelt = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError, match="replica"):
        kubernetes_validate.validate(misspelt, KUBERNETES_VERSION, strict=True)


def test_every_keda_manifest_matches_keda_crd_schema() -> None:
    """Given KEDA's CRD schemas, when its resources are validated, then none fails."""
    keda = [doc for doc in resources() if doc["kind"] in KEDA_SCHEMAS]
    assert {doc["kind"] for doc in keda} == set(KEDA_SCHEMAS)
    for doc in keda:
        assert doc["apiVersion"] == "keda.sh/v1alpha1"
        schema = json.loads((DEPLOY / "schemas" / KEDA_SCHEMAS[doc["kind"]]).read_text())
        jsonschema.Draft7Validator(closed(schema)).validate(doc)


def test_the_keda_check_refuses_a_misspelt_field() -> None:
    """Given a ScaledObject with a typo, when it is validated, then the schema refuses it."""
    scaled_object = of_kind("ScaledObject")["t2v-render"]
    misspelt = {**scaled_object, "spec": {**scaled_object["spec"], "maxReplicas": 3}}
    schema = json.loads((DEPLOY / "schemas" / KEDA_SCHEMAS["ScaledObject"]).read_text())
    with pytest.raises(jsonschema.ValidationError, match="maxReplicas"):
        jsonschema.Draft7Validator(closed(schema)).validate(misspelt)


def test_each_stage_scales_on_its_own_queue() -> None:
    """Given the topology's default names, then each stage's Deployment has a ScaledObject
    reading that stage's queue length, through a TriggerAuthentication of the broker URL."""
    deployments = of_kind("Deployment")
    authentications = of_kind("TriggerAuthentication")
    topology = Topology.of(
        Settings(amqp_prefix=of_kind("ConfigMap")["t2v-config"]["data"]["T2V_AMQP_PREFIX"])
    )
    assert topology.prefix == Topology().prefix
    scaled_objects = of_kind("ScaledObject")
    targets = {doc["spec"]["scaleTargetRef"]["name"]: doc for doc in scaled_objects.values()}
    assert len(targets) == len(scaled_objects) == len(STAGE_NAMES)
    for stage in STAGE_NAMES:
        deployment = deployments[f"t2v-{stage}"]
        assert (
            deployment["spec"]["template"]["spec"]["containers"][0]["command"][-1] == f"svc_{stage}"
        )
        scaled = targets[f"t2v-{stage}"]
        assert scaled["spec"].get("scaleTargetRef", {}).get("kind", "Deployment") == "Deployment"
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "rabbitmq"
        assert trigger["metadata"]["queueName"] == topology.stage_queue(stage)
        assert trigger["metadata"]["mode"] == "QueueLength"
        assert int(trigger["metadata"]["value"]) >= 1
        authentication = authentications[trigger["authenticationRef"]["name"]]
        (secret_ref,) = authentication["spec"]["secretTargetRef"]
        assert secret_ref["parameter"] == "host"
        assert secret_ref["key"] == "T2V_BROKER_URL"
        assert secret_ref["key"] in of_kind("Secret")[secret_ref["name"]]["stringData"]


def test_each_stage_may_scale_as_far_as_the_capacity_plan_asks() -> None:
    """Given the measured stage costs and 10,000 videos an hour of 60 s at 1080x1920, 30 fps,
    then each ScaledObject allows at least the workers bench/capacity.py plans for."""
    costs, hops = load_costs(COSTS_FILE)
    needed = plan(costs, Video(60, 1080, 1920, 30), 10_000, hops, 0.8, None)["stages"]
    scaled_objects = of_kind("ScaledObject")
    for stage in STAGE_NAMES:
        workers = needed[stage]["workers"]  # type: ignore[index]
        assert scaled_objects[f"t2v-{stage}"]["spec"]["maxReplicaCount"] >= workers, stage


def test_every_pod_mounts_the_shared_claim_at_the_data_dir() -> None:
    """Given the Deployments, then each mounts the one ReadWriteMany claim at T2V_DATA_DIR."""
    (claim,) = of_kind("PersistentVolumeClaim").values()
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    data_dir = of_kind("ConfigMap")["t2v-config"]["data"]["T2V_DATA_DIR"]
    deployments = of_kind("Deployment")
    assert set(deployments) == {"t2v-gateway", *(f"t2v-{stage}" for stage in STAGE_NAMES)}
    for deployment in deployments.values():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {
            volume["name"]
            for volume in pod["volumes"]
            if volume.get("persistentVolumeClaim", {}).get("claimName") == claim["metadata"]["name"]
        }
        for container in pod["containers"]:
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert mounts.get(data_dir) in volumes, deployment["metadata"]["name"]
            assert "T2V_DATA_DIR" in env_names(container)


def test_every_variable_is_a_setting_of_its_process() -> None:
    """Given each container's environment, then every T2V_ name is a field of the settings
    class its command reads, and every Secret key referenced exists."""
    secrets = of_kind("Secret")
    for deployment in of_kind("Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            settings_class = SETTINGS_OF_SERVICE[container["command"][-1]]
            unknown = env_names(container) - settings_names(settings_class)
            assert not unknown, f"{container['name']}: no such settings {sorted(unknown)}"
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    assert reference["key"] in secrets[reference["name"]]["stringData"]
    # Every variable a Secret holds is read by some process.
    every_setting = set().union(*(settings_names(c) for c in SETTINGS_OF_SERVICE.values()))
    for secret in secrets.values():
        assert set(secret["stringData"]) <= every_setting


def test_the_gateway_is_probed_and_served_on_its_port() -> None:
    """Given the gateway, then liveness is /healthz, readiness /readyz, on the port it
    listens on (T2V_PORT), and its Service sends traffic there."""
    gateway = of_kind("Deployment")["t2v-gateway"]
    (container,) = gateway["spec"]["template"]["spec"]["containers"]
    port = {variable["name"]: variable.get("value") for variable in container["env"]}["T2V_PORT"]
    (http,) = container["ports"]
    assert http["containerPort"] == int(port)
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": http["name"]}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": http["name"]}
    service = of_kind("Service")["t2v-gateway"]
    assert service["spec"]["selector"] == gateway["spec"]["selector"]["matchLabels"]
    assert {p["targetPort"] for p in service["spec"]["ports"]} == {http["name"]}


def test_every_container_has_requests_and_limits() -> None:
    """Given the Deployments, then each container asks for CPU and memory, within limits."""
    for deployment in of_kind("Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            resources_ = container["resources"]
            assert set(resources_["requests"]) == set(resources_["limits"]) == {"cpu", "memory"}


def test_kustomization_lists_every_manifest() -> None:
    """Given kustomization.yaml, then it applies every manifest file and nothing else."""
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(path.name for path in manifest_files())
