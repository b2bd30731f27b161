"""compose.yaml and the Dockerfile: the structure `docker compose up` depends on.

No Docker engine runs on the development machines or in `.ci/run`, so nothing here builds an
image or starts a container (the compose job of .github/workflows/ci.yml does): these tests read
the two files and check that they agree with each other and with the services' settings (one env
prefix per service, documented ports on 127.0.0.1, /healthz and /readyz, the required secret).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"

APP_PORTS = {"pipeline": 8001, "ticket": 8002, "channels": 8003, "notifier": 8004}
APP_SERVICES = tuple(APP_PORTS)
INFRASTRUCTURE = ("rabbitmq", "mongo")
REQUIRED_SETTINGS = (
    "AMQP_URL",
    "STORE_URL",
    "MONGO_DATABASE",
    "HTTP_HOST",
    "HTTP_PORT",
    "JWT_SECRET",
    "LOG_LEVEL",
)
REPLICA_SET = "rs0"
INGEST = "channels-ingest"  # channels' ingestion workers, a service of their own
SMTP_PORT = 2525

each_app_service = pytest.mark.parametrize("name", APP_SERVICES)


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict), "compose.yaml is not a mapping"
    return document


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    services = compose["services"]
    assert name in services, f"compose.yaml has no service {name!r}"
    definition = services[name]
    assert isinstance(definition, dict)
    return definition


def environment(compose: dict[str, Any], name: str) -> dict[str, Any]:
    env = service(compose, name).get("environment")
    assert isinstance(env, dict), f"{name}: environment should be a mapping"
    return env


def prefix(name: str) -> str:
    return f"{name.upper()}_"


def command_text(test: str | list[str]) -> str:
    return test if isinstance(test, str) else " ".join(test)


def published_ports(definition: dict[str, Any]) -> list[tuple[int, int]]:
    """(host port, container port) for every published entry of a service's `ports`."""
    result: list[tuple[int, int]] = []
    for entry in definition.get("ports", []):
        if isinstance(entry, dict):
            if entry.get("published") is not None:
                result.append((int(entry["published"]), int(entry["target"])))
            continue
        # short syntax: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]
        parts = str(entry).split("/", 1)[0].rsplit(":", 2)
        if len(parts) >= 2:
            result.append((int(parts[-2]), int(parts[-1])))
    return result


def published_host_ips(definition: dict[str, Any]) -> list[tuple[str, str]]:
    """(entry as written, host address it binds) for every entry of `ports` (one without a
    host port is published too, on a random one); the address is "" when the entry names
    none, and Docker then binds every interface."""
    result: list[tuple[str, str]] = []
    for entry in definition.get("ports", []):
        if isinstance(entry, dict):
            result.append((str(entry), str(entry.get("host_ip", ""))))
            continue
        parts = str(entry).split("/", 1)[0].rsplit(":", 2)
        result.append((str(entry), parts[0] if len(parts) == 3 else ""))
    return result


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


# --- compose.yaml: the six services ----------------------------------------------------------


def test_compose_defines_the_broker_the_database_and_the_four_services(
    compose: dict[str, Any],
) -> None:
    assert set(compose["services"]) == {*INFRASTRUCTURE, *APP_SERVICES, INGEST}


@pytest.mark.parametrize("name", INFRASTRUCTURE)
def test_the_broker_and_the_database_report_their_health_with_a_test_command(
    compose: dict[str, Any], name: str
) -> None:
    healthcheck = service(compose, name).get("healthcheck")
    assert isinstance(healthcheck, dict), f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)
    test = healthcheck.get("test")
    assert test, f"{name}: healthcheck without a test command"
    if isinstance(test, list):
        assert test[0] in {"CMD", "CMD-SHELL"}, f"{name}: healthcheck test must be CMD or CMD-SHELL"
        assert len(test) > 1
    for timing in ("interval", "timeout", "retries", "start_period"):
        assert timing in healthcheck, f"{name}: healthcheck sets no {timing}"


def test_rabbitmq_is_healthy_only_when_rabbitmq_diagnostics_says_so(
    compose: dict[str, Any],
) -> None:
    rabbitmq = service(compose, "rabbitmq")
    assert rabbitmq["image"].startswith("rabbitmq:3.13-management")
    test = command_text(rabbitmq["healthcheck"]["test"])
    assert "rabbitmq-diagnostics" in test
    assert re.search(r"\b(ping|check_port_connectivity|check_running)\b", test)


def test_mongo_runs_as_the_replica_set_that_the_services_connect_to(
    compose: dict[str, Any],
) -> None:
    mongo = service(compose, "mongo")
    assert mongo["image"].startswith("mongo:7")
    command = mongo["command"]
    if isinstance(command, str):
        command = command.split()
    assert "--replSet" in command
    assert command[command.index("--replSet") + 1] == REPLICA_SET
    assert "--bind_ip_all" in command
    assert any(volume.endswith(":/data/db") for volume in mongo["volumes"])


def test_mongo_healthcheck_initiates_the_replica_set_and_waits_for_a_primary(
    compose: dict[str, Any],
) -> None:
    test = command_text(service(compose, "mongo")["healthcheck"]["test"])
    assert "mongosh" in test
    assert "rs.initiate(" in test
    assert f"_id: '{REPLICA_SET}'" in test
    # The member's host is the name the services use in their STORE_URL.
    assert "host: 'mongo:27017'" in test
    # Healthy only once the node is primary, so services never start against a set without one.
    assert "isWritablePrimary" in test
    # A literal `$` would be taken for a variable by Compose's interpolation.
    assert "$" not in test


def test_every_named_volume_is_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, definition in compose["services"].items():
        for volume in definition.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source!r}"


# --- compose.yaml: the four application services ---------------------------------------------


@each_app_service
def test_every_app_service_builds_its_own_image_from_the_one_dockerfile(
    compose: dict[str, Any], name: str
) -> None:
    build = service(compose, name)["build"]
    assert isinstance(build, dict), f"{name}: build should name its context and args"
    context = ROOT / build["context"]
    assert context.resolve() == ROOT
    assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE
    assert build["args"]["SERVICE"] == name
    assert str(build["args"]["PORT"]) == str(APP_PORTS[name])


@each_app_service
def test_every_app_service_sets_every_setting_under_its_own_prefix(
    compose: dict[str, Any], name: str
) -> None:
    env = environment(compose, name)
    missing = [key for key in REQUIRED_SETTINGS if prefix(name) + key not in env]
    assert not missing, f"{name} lacks {missing}"
    foreign = [key for key in env if not key.startswith(prefix(name))]
    assert not foreign, f"{name} sets variables of another prefix: {foreign}"
    # Quoted strings: YAML would otherwise turn ports into ints and `on`/`yes` into booleans.
    assert all(isinstance(value, str) for value in env.values())


@each_app_service
def test_every_app_service_reaches_the_broker_at_the_rabbitmq_service(
    compose: dict[str, Any], name: str
) -> None:
    url = urlsplit(environment(compose, name)[prefix(name) + "AMQP_URL"])
    assert url.scheme == "amqp"
    assert url.hostname == "rabbitmq"
    assert url.port == 5672


@each_app_service
def test_every_app_service_stores_its_documents_in_its_own_mongo_database(
    compose: dict[str, Any], name: str
) -> None:
    env = environment(compose, name)
    url = urlsplit(env[prefix(name) + "STORE_URL"])
    assert url.scheme == "mongodb"
    assert url.hostname == "mongo"
    assert parse_qs(url.query).get("replicaSet") == [REPLICA_SET]
    assert env[prefix(name) + "MONGO_DATABASE"] == f"ticketflow_{name}"


@each_app_service
def test_every_app_service_listens_on_all_interfaces_on_its_documented_port(
    compose: dict[str, Any], name: str
) -> None:
    env = environment(compose, name)
    port = APP_PORTS[name]
    assert env[prefix(name) + "HTTP_HOST"] == "0.0.0.0"
    assert env[prefix(name) + "HTTP_PORT"] == str(port)
    assert (port, port) in published_ports(service(compose, name))


@each_app_service
def test_every_app_service_waits_for_a_healthy_broker_and_database(
    compose: dict[str, Any], name: str
) -> None:
    depends_on = service(compose, name)["depends_on"]
    assert isinstance(depends_on, dict), f"{name}: depends_on needs the long form for conditions"
    for dependency in INFRASTRUCTURE:
        assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (
            f"{name} does not wait for a healthy {dependency}"
        )


@each_app_service
def test_every_app_service_is_healthy_only_when_its_readyz_answers(
    compose: dict[str, Any], name: str
) -> None:
    healthcheck = service(compose, name)["healthcheck"]
    test = command_text(healthcheck["test"])
    assert f"127.0.0.1:{APP_PORTS[name]}/readyz" in test
    for timing in ("interval", "timeout", "retries", "start_period"):
        assert timing in healthcheck, f"{name}: healthcheck sets no {timing}"


@each_app_service
def test_every_app_service_is_restarted_unless_stopped(compose: dict[str, Any], name: str) -> None:
    assert service(compose, name)["restart"] == "unless-stopped"


def test_the_four_services_share_one_jwt_secret_required_from_the_environment(
    compose: dict[str, Any],
) -> None:
    secrets = {environment(compose, name)[prefix(name) + "JWT_SECRET"] for name in APP_SERVICES}
    assert len(secrets) == 1, f"the services disagree on the JWT secret: {secrets}"
    (secret,) = secrets
    # `${VAR:?message}`: compose refuses to start without it; there is no default secret.
    required = re.fullmatch(r"\$\{TICKETFLOW_JWT_SECRET:\?(?P<message>[^}]+)\}", secret)
    assert required, f"the secret must come from TICKETFLOW_JWT_SECRET, with no default: {secret}"
    assert "at least 32" in required["message"]


def test_published_host_ips_reads_the_short_and_the_long_syntax() -> None:
    definition = {
        "ports": [
            "127.0.0.1:8001:8001",
            "8002:8002",
            "8003",
            {"target": 8004, "published": 8004},
            {"target": 8005, "published": 8005, "host_ip": "127.0.0.1"},
            {"target": 8006},
        ]
    }
    assert [ip for _, ip in published_host_ips(definition)] == [
        "127.0.0.1",
        "",
        "",
        "",
        "127.0.0.1",
        "",
    ]


def test_every_published_port_is_bound_to_the_loopback_address_only(
    compose: dict[str, Any],
) -> None:
    """Nothing is reachable from other machines by default: not the broker, not the database
    (no authentication on either here), not the APIs (plain HTTP)."""
    exposed = [
        f"{name}: {entry}"
        for name, definition in compose["services"].items()
        for entry, host_ip in published_host_ips(definition)
        if host_ip != "127.0.0.1"
    ]
    assert not exposed, f"ports published beyond 127.0.0.1: {exposed}"


@each_app_service
def test_every_app_service_requires_the_jwt_secret_from_the_environment(
    compose: dict[str, Any], name: str
) -> None:
    secret = environment(compose, name)[prefix(name) + "JWT_SECRET"]
    assert re.fullmatch(r"\$\{TICKETFLOW_JWT_SECRET:\?[^}]+\}", secret), (
        f"{name}: the secret must be ${{TICKETFLOW_JWT_SECRET:?...}} (required, no default): "
        f"{secret}"
    )


def test_no_two_services_publish_the_same_host_port(compose: dict[str, Any]) -> None:
    owners: dict[int, list[str]] = {}
    for name, definition in compose["services"].items():
        for host_port, _ in published_ports(definition):
            owners.setdefault(host_port, []).append(name)
    clashes = {port: names for port, names in owners.items() if len(names) > 1}
    assert not clashes, f"host ports published twice: {clashes}"


# --- compose.yaml: channels as intake and ingestion workers ----------------------------------


def test_channels_intakes_and_publishes_the_api_and_the_smtp_port(
    compose: dict[str, Any],
) -> None:
    env = environment(compose, "channels")
    assert env["CHANNELS_ROLE"] == "intake"
    assert env["CHANNELS_SMTP_HOST"] == "0.0.0.0"
    assert env["CHANNELS_SMTP_PORT"] == str(SMTP_PORT)
    assert (SMTP_PORT, SMTP_PORT) in published_ports(service(compose, "channels"))


def test_the_ingestion_workers_run_channels_with_the_ingest_role_and_replicas(
    compose: dict[str, Any],
) -> None:
    ingest = service(compose, INGEST)
    assert ingest["build"] == service(compose, "channels")["build"]
    assert ingest["deploy"]["replicas"] >= 2
    assert ingest["restart"] == "unless-stopped"
    env = environment(compose, INGEST)
    assert env["CHANNELS_ROLE"] == "ingest"
    assert all(key.startswith("CHANNELS_") for key in env)
    assert all(isinstance(value, str) for value in env.values())
    assert not any(key.startswith("CHANNELS_SMTP_") for key in env)


def test_the_ingestion_workers_share_the_database_broker_and_secret_of_channels(
    compose: dict[str, Any],
) -> None:
    intake, ingest = environment(compose, "channels"), environment(compose, INGEST)
    for setting in ("AMQP_URL", "STORE_URL", "MONGO_DATABASE", "JWT_SECRET", "HTTP_PORT"):
        assert ingest["CHANNELS_" + setting] == intake["CHANNELS_" + setting], setting
    depends_on = service(compose, INGEST)["depends_on"]
    for dependency in INFRASTRUCTURE:
        assert depends_on[dependency]["condition"] == "service_healthy"


def test_the_ingestion_workers_publish_no_port_and_check_their_own_readyz(
    compose: dict[str, Any],
) -> None:
    ingest = service(compose, INGEST)
    assert "ports" not in ingest  # replicas could not share a host port
    healthcheck = ingest["healthcheck"]
    assert "127.0.0.1:8003/readyz" in command_text(healthcheck["test"])
    for timing in ("interval", "timeout", "retries", "start_period"):
        assert timing in healthcheck


def test_only_the_intake_service_publishes_the_smtp_port(compose: dict[str, Any]) -> None:
    publishers = [
        name
        for name, definition in compose["services"].items()
        if any(target == SMTP_PORT for _, target in published_ports(definition))
    ]
    assert publishers == ["channels"]


# --- Dockerfile ------------------------------------------------------------------------------


def test_the_dockerfile_takes_the_service_to_build_as_a_build_argument() -> None:
    arguments = [args for keyword, args in dockerfile_instructions() if keyword == "ARG"]
    assert "SERVICE" in arguments
    assert "SERVICE" in [args for keyword, args in final_stage() if keyword == "ARG"]
    environment_lines = " ".join(args for keyword, args in final_stage() if keyword == "ENV")
    assert re.search(r"\bSERVICE=\$\{?SERVICE\}?", environment_lines)


def test_the_dockerfile_installs_with_the_pinned_constraints() -> None:
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run and "-c constraints.txt" in run]
    assert installs, "no `pip install -c constraints.txt` in the Dockerfile"
    assert not any(re.search(r"(^|\s)(-e|--editable)\s", run) for run in runs)
    assert any(
        keyword == "COPY" and args.split()[0] == "constraints.txt"
        for keyword, args in dockerfile_instructions()
    )


def test_the_dockerfile_installs_the_cli_without_the_services_it_does_not_serve() -> None:
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    assert re.search(r"pip install [^&]*--no-deps [^&]*\./cli\b", runs)


def test_the_dockerfile_runs_ticketflow_serve_for_the_chosen_service() -> None:
    commands = [args for keyword, args in final_stage() if keyword == "CMD"]
    assert len(commands) == 1
    command = json.loads(commands[0])
    assert command[:2] == ["sh", "-c"]
    assert re.fullmatch(r'exec ticketflow serve "\$SERVICE"', command[2])


def test_the_dockerfile_runs_as_a_non_root_user_and_checks_healthz() -> None:
    stage = final_stage()
    users = [args for keyword, args in stage if keyword == "USER"]
    assert users, "the final stage runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    healthchecks = [args for keyword, args in stage if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    assert "/healthz" in healthchecks[0]
    exposed = {int(port) for keyword, args in stage if keyword == "EXPOSE" for port in args.split()}
    assert set(APP_PORTS.values()) <= exposed
