"""Settings, read from the environment or a ``.env`` file (pydantic-settings).

Every field's environment variable is its upper-case name. A missing or bad value raises
:class:`~agent.errors.ConfigError` naming the variable; the CLI turns that into exit code 2.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.errors import ConfigError
from agent.net.guard import AddressGuard, parse_networks

_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$")
_HANDLER = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class Config(BaseSettings):
    """Everything an agent needs to know, with the defaults of DESIGN.md section 6."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        frozen=True,
    )

    worker_name: str = Field(min_length=1, max_length=100)
    spreadsheet_id: str = Field(min_length=1, max_length=200)
    service_account_file: Path | None = None
    sheets_emulator_host: str | None = None
    # Credentials other than a key file (agent/sheets/auth.py; README "Sign-in").
    auth_mode: Literal["service_account", "adc", "oauth"] | None = None
    google_application_credentials: Path | None = None
    oauth_client_file: Path | None = None
    oauth_token_file: Path | None = None
    impersonate_service_account: str | None = None
    impersonation_url: str | None = None

    header_language: Literal["en", "pt"] = "en"
    lease_seconds: float = Field(default=120.0, ge=5, le=86_400)
    heartbeat_seconds: float = Field(default=30.0, ge=0.5, le=3_600)
    leader_lease_seconds: float = Field(default=300.0, ge=5, le=86_400)
    max_attempts: int = Field(default=3, ge=1, le=100)
    claim_batch: int = Field(default=10, ge=1, le=500)
    claim_batch_max: int = Field(default=50, ge=1, le=500)
    concurrency: int = Field(default=1, ge=1, le=64)
    task_handler: str = "agent.handlers:noop"
    source_url_policy: Literal["youtube", "any"] = "youtube"
    #: CIDRs that may be fetched although private, loopback or link-local (DESIGN §9); empty:
    #: every such address is refused, under every SOURCE_URL_POLICY.
    allow_private_urls: str | None = None
    output_dir: Path = Path("downloads")

    # Pacing: Google's per-user quotas (requests per minute), and our own idle poll.
    read_quota_per_minute: int = Field(default=60, ge=1, le=100_000)
    write_quota_per_minute: int = Field(default=60, ge=1, le=100_000)
    poll_seconds: float = Field(default=5.0, ge=0.05, le=600)
    request_timeout_seconds: float = Field(default=30.0, ge=1, le=600)

    # Source expansion.
    channel_tabs: str = "videos,shorts,streams"
    max_entries_per_source: int = Field(default=0, ge=0)  # 0 = no limit
    include_shorts: bool = True
    include_streams: bool = True
    title_regex: str | None = None
    rescan_hours: float = Field(default=0.0, ge=0)  # 0 = one-shot sources
    ytdlp_sleep_requests: float = Field(default=0.75, ge=0)
    cookies_file: Path | None = None
    # Handlers: yt-dlp options (JSON, see agent.ytdlp.options), caption languages, time limit.
    ytdlp_options: str | None = None
    sub_langs: str = Field(default="en", min_length=1, max_length=500)
    # 0 = no limit (the default): callbacks run in the agent's threads, closures allowed;
    # > 0: each callback runs in a child process that is killed after that many seconds.
    task_timeout_seconds: float = Field(default=0.0, ge=0)
    #: The first cool-down after a bot check or rate limit (0: the classes' own, 120 / 600 s).
    cooldown_seconds: float = Field(default=0.0, ge=0)
    #: ``module:function`` returning yt-dlp extractors tried before the built-in ones
    #: (the demo and the benchmarks serve YouTube-shaped playlists offline through it).
    source_extractors: str | None = None

    # History rotation: rows kept in Tasks History before the oldest move to Tasks Archive
    # (three cells a task); with ARCHIVE_DIR set, their full rows are also kept in a file there.
    history_max_rows: int = Field(default=200_000, ge=100)
    archive_dir: Path | None = None

    # Notifications: a JSON POST to NOTIFY_URL (docs/operations.md); none when unset.
    notify_url: SecretStr | None = None  # secret: webhook URLs often carry a token
    #: Rows the DLQ tabs must grow by (since the last notice) before a notice is sent.
    notify_dlq_threshold: int = Field(default=10, ge=1, le=1_000_000)

    @field_validator("worker_name")
    @classmethod
    def _worker_name_printable(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch in value for ch in "|\n\r\t"):
            raise ValueError("must be non-empty and contain no '|', tab or newline")
        return value

    @field_validator("auth_mode", mode="before")
    @classmethod
    def _auth_mode_blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("impersonate_service_account")
    @classmethod
    def _impersonate_form(cls, value: str | None) -> str | None:
        if value and not re.match(r"^[^@\s/:]+@[^@\s/:]+$", value):
            raise ValueError(
                "must be a service account's address, e.g. orc@proj.iam.gserviceaccount.com"
            )
        return value or None

    @field_validator("impersonation_url")
    @classmethod
    def _impersonation_url_form(cls, value: str | None) -> str | None:
        if value and (
            not value.startswith(("https://", "http://"))
            or not value.endswith(":generateAccessToken")
        ):
            raise ValueError("must be a full IAM URL ending in :generateAccessToken")
        return value or None

    @field_validator("sheets_emulator_host")
    @classmethod
    def _emulator_host_form(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not _HOST_PORT.match(value):
            raise ValueError("must look like host:port, e.g. 127.0.0.1:8085")
        return value

    @field_validator("allow_private_urls")
    @classmethod
    def _networks_parse(cls, value: str | None) -> str | None:
        try:
            parse_networks(value)
        except ConfigError as exc:
            raise ValueError(exc.problem) from None
        return value.strip() if value and value.strip() else None

    @field_validator("notify_url")
    @classmethod
    def _notify_url_form(cls, value: SecretStr | None) -> SecretStr | None:
        text = value.get_secret_value().strip() if value is not None else ""
        if not text:
            return None
        try:
            parts = urlsplit(text)
            good = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # e.g. a bad port or bracketed host
            good = False
        if not good:
            # The value itself is not repeated: it may hold a token.
            raise ValueError("must be an http:// or https:// URL with a host")
        return SecretStr(text)

    @field_validator("task_handler")
    @classmethod
    def _handler_form(cls, value: str) -> str:
        if not _HANDLER.match(value):
            raise ValueError("must look like module.path:function, e.g. agent.handlers:noop")
        return value

    @field_validator("source_extractors")
    @classmethod
    def _extractors_form(cls, value: str | None) -> str | None:
        if value and not _HANDLER.match(value):
            raise ValueError("must look like module.path:function")
        return value or None

    @field_validator("ytdlp_options")
    @classmethod
    def _ytdlp_options_valid(cls, value: str | None) -> str | None:
        from agent.ytdlp.options import YtdlpOptions

        try:
            YtdlpOptions.parse(value)
        except ConfigError as exc:
            raise ValueError(exc.problem) from None
        return value or None

    @field_validator("title_regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"is not a valid regular expression ({exc})") from exc
        return value or None

    @model_validator(mode="after")
    def _credentials_present(self) -> Config:
        if self.auth_mode == "service_account" and self.service_account_file is None:
            raise ValueError("SERVICE_ACCOUNT_FILE is required when AUTH_MODE=service_account")
        if self.leader_lease_seconds <= 2 * self.heartbeat_seconds:
            raise ValueError("LEADER_LEASE_SECONDS must be more than twice HEARTBEAT_SECONDS")
        if self.lease_seconds <= 2 * self.heartbeat_seconds:
            raise ValueError("LEASE_SECONDS must be more than twice HEARTBEAT_SECONDS")
        return self

    @property
    def channel_tab_list(self) -> list[str]:
        """``CHANNEL_TABS`` as a list of tab names."""
        return [t.strip() for t in self.channel_tabs.split(",") if t.strip()]

    @property
    def url_guard(self) -> AddressGuard:
        """The address policy ``ALLOW_PRIVATE_URLS`` describes."""
        return AddressGuard.from_setting(self.allow_private_urls)

    @classmethod
    def load(cls, **overrides: Any) -> Config:
        """Read settings; raise :class:`ConfigError` naming the first bad variable."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise _config_error(exc) from None


def _config_error(exc: ValidationError) -> ConfigError:
    first = exc.errors()[0]
    location = [str(part) for part in first.get("loc", ()) if part != "__root__"]
    message = str(first.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if location:
        variable = location[0].upper()
        if first.get("type") == "missing":
            message = "is required but not set"
        return ConfigError(variable, message)
    variable, _, rest = message.partition(" ")
    if variable.isupper() and rest:
        return ConfigError(variable, rest)
    return ConfigError("configuration", message)
