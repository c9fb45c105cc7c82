"""docker-compose.yml and the Dockerfile run real commands with real settings.

No container engine is needed: the files are parsed and checked against the CLI's parser and
the settings the service reads.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from wooconnect.adapters.cli.main import build_parser
from wooconnect.adapters.persistence.database import async_url
from wooconnect.adapters.settings import KNOWN_VARIABLES, Settings
from wooconnect.adapters.worker.actors import BULK_QUEUES, LIVE_QUEUES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
OWN_SERVICES = ("migrate", "api", "worker", "worker-live")
REQUIRED = ("WOOCONNECT_ADMIN_TOKEN", "WOOCONNECT_SECRET_KEY")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


_VARIABLE = re.compile(r"\$\{([A-Z_]+)(?::([-?])([^}]*))?\}")


def _interpolate(value: str, given: dict[str, str] | None = None) -> str:
    """What compose makes of `${NAME:-default}` / `${NAME:?message}`: NAME's value when
    `given` has it, else the default, or x for a required one."""
    given = given or {}

    def value_of(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in given:
            return given[name]
        return rest if kind == "-" else "x"

    return _VARIABLE.sub(value_of, value)


def _compose_variables() -> set[str]:
    return {match.group(1) for match in _VARIABLE.finditer(COMPOSE.read_text())}


def _dockerfile_instruction(name: str) -> list[str]:
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith(name + " "):
            parsed: list[str] = json.loads(line[len(name) + 1 :])
            return parsed
    raise AssertionError(f"the Dockerfile has no {name}")


def test_every_service_of_ours_runs_a_command_the_cli_knows(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for name in OWN_SERVICES:
        command = compose["services"][name]["command"]
        assert isinstance(command, list), name
        parsed = parser.parse_args(command)
        assert callable(parsed.handler), name
        check = compose["services"][name].get("healthcheck", {}).get("test", [])
        if check[1:2] == ["wooconnect"]:
            assert callable(parser.parse_args(check[2:]).handler), (name, check)
    assert compose["services"]["migrate"]["command"] == ["db", "upgrade"]
    assert compose["services"]["api"]["command"][0] == "serve"
    assert "0.0.0.0" in compose["services"]["api"]["command"]  # noqa: S104
    assert compose["services"]["worker"]["command"][0] == "worker"


def test_services_set_only_variables_the_settings_read(compose: dict[str, Any]) -> None:
    for name in OWN_SERVICES:
        environment = compose["services"][name]["environment"]
        names = {key for key in environment if key.startswith("WOOCONNECT_")}
        assert names <= set(KNOWN_VARIABLES), (name, names - set(KNOWN_VARIABLES))
        assert {"WOOCONNECT_DATABASE_URL", "WOOCONNECT_REDIS_URL", *REQUIRED} <= names


@pytest.mark.parametrize("password", [None, "wooconnect", "p@ss/w:rd%#?"])
def test_the_settings_accept_the_composed_environment(
    compose: dict[str, Any], password: str | None
) -> None:
    given = {} if password is None else {"POSTGRES_PASSWORD": password}
    environment = {
        key: _interpolate(str(value), given)
        for key, value in compose["services"]["api"]["environment"].items()
    }
    settings = Settings.from_env(environment)

    url = make_url(settings.database_url)
    assert url.drivername == "postgresql"
    assert (url.username, url.host, url.database) == ("wooconnect", "postgres", "wooconnect")
    assert url.password == (password or "wooconnect")
    assert make_url(async_url(settings.database_url)).password == (password or "wooconnect")
    postgres = compose["services"]["postgres"]["environment"]
    assert _interpolate(postgres["POSTGRES_PASSWORD"], given) == url.password
    assert settings.redis_url == "redis://redis:6379/0"
    assert str(settings.rules_dir) == "/app/rules"
    assert not settings.is_embedded


def test_the_admin_token_and_the_secret_key_must_come_from_the_operator(
    compose: dict[str, Any],
) -> None:
    environment = compose["services"]["api"]["environment"]
    for name in REQUIRED:
        assert re.fullmatch(rf"\$\{{{name}:\?.+\}}", environment[name]), environment[name]


def test_postgres_and_redis_have_health_checks_and_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["volumes"], name
        volume = services[name]["volumes"][0].split(":")[0]
        assert volume in compose["volumes"], name


def test_the_migration_runs_once_postgres_is_healthy_and_before_the_service(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker", "worker-live"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name != "migrate":
            assert service["healthcheck"]["test"], name
    assert compose["services"]["worker"]["healthcheck"]["test"] == [
        "CMD",
        "wooconnect",
        "health",
        "worker",
    ]


def test_the_env_example_lists_every_variable_the_compose_file_reads() -> None:
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    assert listed == _compose_variables()


def test_workers_scale_out_with_no_fixed_name_or_host_port(compose: dict[str, Any]) -> None:
    for name in ("worker", "worker-live"):
        worker = compose["services"][name]
        assert "container_name" not in worker, name
        assert "ports" not in worker, name


def test_live_work_has_workers_of_its_own_and_every_queue_a_worker(
    compose: dict[str, Any],
) -> None:
    parser = build_parser()
    queues = {
        name: set(parser.parse_args(compose["services"][name]["command"]).queues)
        for name in ("worker", "worker-live")
    }
    assert queues["worker-live"] == set(LIVE_QUEUES)
    assert queues["worker"] == set(BULK_QUEUES)


def test_the_image_starts_real_commands_as_a_non_root_user() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    entrypoint = _dockerfile_instruction("ENTRYPOINT")
    command = _dockerfile_instruction("CMD")
    text = DOCKERFILE.read_text()

    assert entrypoint == ["wooconnect"]
    assert "wooconnect" in scripts
    assert callable(build_parser().parse_args(command).handler)
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert re.search(r"^USER (?!root)\S+", text, re.M)
    assert re.search(r"^COPY rules ", text, re.M)
    env_names = set(re.findall(r"\b(WOOCONNECT_[A-Z_]+)=", text))
    assert env_names <= set(KNOWN_VARIABLES)
