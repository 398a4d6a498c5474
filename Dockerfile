# syntax=docker/dockerfile:1
# yt-gsheet-orchestrator agent in a container. Build from the repository root:
#   docker build -f examples/docker/Dockerfile -t orc .
#   podman build -f examples/docker/Dockerfile -t orc .
# Any Debian-based image works as the base (BASE): python:3.12-slim (the default) already has
# Python; a plain Debian (debian:bookworm-slim, or the one `make image` makes with debootstrap)
# gets Debian's python3 and python3-venv:
#   docker build -f examples/docker/Dockerfile --build-arg BASE=debian:bookworm-slim -t orc .
# Run one agent (settings in an env file, the key mounted read-only):
#   docker run -d --name orc-1 --env-file /etc/orc/orc.env -e WORKER_NAME=$(hostname)-1 \
#     -e SERVICE_ACCOUNT_FILE=/run/secrets/orc-key.json \
#     -v /etc/orc/service-account.json:/run/secrets/orc-key.json:ro \
#     -v orc-data:/data --stop-timeout 1800 --restart on-failure orc
# See docs/deployment.md. `make image` (scripts/build-image.sh) builds and runs it with podman.

ARG BASE=python:3.12-slim

# What both stages need: Python with venv, certificates, and (for the download handler's
# merging of audio and video) ffmpeg. Python comes from Debian only when the base has none.
FROM ${BASE} AS base
RUN set -eu; \
    packages="ca-certificates ffmpeg"; \
    command -v python3 >/dev/null || packages="$packages python3 python3-venv"; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages; \
    rm -rf /var/lib/apt/lists/*

FROM base AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY agent ./agent
COPY packages/sheets-emulator ./packages/sheets-emulator
# pip builds each wheel with its declared backend (hatchling) in an isolated environment.
RUN python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --disable-pip-version-check --upgrade pip \
    && /opt/build/bin/pip wheel --no-cache-dir --disable-pip-version-check --no-deps \
        --wheel-dir /dist . ./packages/sheets-emulator

FROM base
RUN useradd --system --uid 10001 --create-home --home-dir /home/orc orc \
    && mkdir -p /data && chown orc:orc /data
COPY --from=build /dist/*.whl /tmp/wheels/
# A virtual environment, so Debian's own Python stays untouched (PEP 668). The agent with the
# `youtube` extra (Deno from PyPI, for yt-dlp-ejs: YouTube needs a JavaScript runtime since
# yt-dlp 2025.11.12), and the emulator (standard library only) so that `orc demo` runs here.
# Where the agent's version has no `youtube` extra yet, pip warns and the next step adds Deno
# and yt-dlp's `default` extra (yt-dlp-ejs) by name.
RUN set -eu; \
    python3 -m venv /opt/orc; \
    pip="/opt/orc/bin/pip install --no-cache-dir --disable-pip-version-check"; \
    $pip "$(ls /tmp/wheels/yt_gsheet_orchestrator-*.whl)[youtube]" /tmp/wheels/sheets_emulator-*.whl; \
    /opt/orc/bin/python -c "import deno, yt_dlp_ejs" 2>/dev/null || $pip "deno>=2.3" "yt-dlp[default]"; \
    rm -rf /tmp/wheels; \
    /opt/orc/bin/orc --version; /opt/orc/bin/deno --version; ffmpeg -hide_banner -version | head -n 1

USER orc
WORKDIR /home/orc
ENV PATH=/opt/orc/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OUTPUT_DIR=/data
VOLUME ["/data"]

# `orc run` stops gracefully on SIGTERM (docker stop): running callbacks finish, unstarted
# claims go back, the worker turns INACTIVE, leadership is released. Give it time to finish a
# task with `docker stop -t` / --stop-timeout / compose's stop_grace_period.
STOPSIGNAL SIGTERM
# Healthy while this agent's heartbeat (WORKER_NAME) is fresh in the spreadsheet.
HEALTHCHECK --interval=60s --timeout=30s --start-period=90s --retries=3 \
    CMD ["orc", "check", "--log-level", "ERROR"]

ENTRYPOINT ["orc"]
CMD ["run", "--log-format", "json"]
