"""examples/compose: the emulator plus three agents, checked against orc's real CLI and settings.

Each service's command line (entrypoint + command, ``sh -c`` scripts included) is parsed by
``orc``'s own click commands; each agent's environment must load as agent settings; the setup
step's script runs for real against an emulator, and ``orc init`` after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sheets_emulator import EmulatorServer

from agent.config import Config
from agent.sheets.client import make_client
from tests.deploy.support import (
    EXAMPLES,
    NOT_SETTINGS,
    ROOT,
    documents,
    orc_invocations,
    parse_orc,
    settings_names,
)

FOLDER = EXAMPLES / "compose"
IMAGE_ENTRYPOINT = ["orc"]  # examples/compose/Dockerfile's ENTRYPOINT


def _services() -> dict[str, dict[str, Any]]:
    (compose,) = documents(FOLDER / "compose.yaml")
    services: dict[str, dict[str, Any]] = compose["services"]
    return services


def _command_line(service: dict[str, Any]) -> list[str]:
    entrypoint = service.get("entrypoint", IMAGE_ENTRYPOINT)
    return [*entrypoint, *service.get("command", [])]


def test_the_emulator_and_three_agents() -> None:
    services = _services()
    agents = [name for name in services if name.startswith("agent-")]
    assert len(agents) == 3 and "emulator" in services and "setup" in services
    workers = {services[name]["environment"]["WORKER_NAME"] for name in agents}
    assert len(workers) == 3, "every agent has its own WORKER_NAME"


@pytest.mark.parametrize("name", ["emulator", "setup", "agent-1", "agent-2", "agent-3"])
def test_every_command_is_a_valid_orc_command_line(name: str) -> None:
    invocations = orc_invocations(_command_line(_services()[name]))
    assert invocations, f"{name} runs no orc command"
    expected = {"emulator": "emulator", "setup": "init"}.get(name, "run")
    assert [parse_orc(args).info_name for args in invocations] == [expected]


def test_agents_point_at_the_emulator_service_and_its_port() -> None:
    services = _services()
    (emulator_args,) = orc_invocations(_command_line(services["emulator"]))
    port = parse_orc(emulator_args).params["port"]
    for name, service in services.items():
        if name == "emulator":
            continue
        assert service["environment"]["SHEETS_EMULATOR_HOST"] == f"emulator:{port}"


@pytest.mark.parametrize("name", ["setup", "agent-1", "agent-2", "agent-3"])
def test_environment_is_valid_agent_settings(name: str) -> None:
    environment = _services()[name]["environment"]
    assert set(environment) - NOT_SETTINGS <= settings_names()
    values = {k.lower(): v for k, v in environment.items() if k not in NOT_SETTINGS}
    config = Config.load(spreadsheet_id="from-the-shared-file", **values)
    assert config.sheets_emulator_host is not None


def test_setup_script_creates_the_spreadsheet_once_and_orc_init_fills_it(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SHEETS_EMULATOR_HOST": emulator.host_port,
        "PYTHONPATH": str(ROOT),
        "WORKER_NAME": "setup",
    }
    target = tmp_path / "spreadsheet-id"
    script = [sys.executable, str(FOLDER / "create_spreadsheet.py"), str(target)]
    subprocess.run(script, env=env, check=True, timeout=60)
    first = target.read_text(encoding="utf-8").strip()
    subprocess.run(script, env=env, check=True, timeout=60)
    assert target.read_text(encoding="utf-8").strip() == first, "a restart keeps the spreadsheet"
    init = subprocess.run(
        [sys.executable, "-m", "agent", "init"],
        env={**env, "SPREADSHEET_ID": first},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    client = make_client(user="checker", emulator_host=emulator.host_port)
    titles = [ws.title for ws in client.open_by_key(first).worksheets()]
    assert "Tasks" in titles and "Workers" in titles
