"""``orc doctor [URL]``: can yt-dlp work on YouTube from this machine, with these settings?"""

from __future__ import annotations

import json

import click

from agent.cli.common import EXIT_FAILURE, EXIT_OK, fail_config
from agent.errors import ConfigError
from agent.ytdlp.diagnose import run_checks
from agent.ytdlp.params import HandlerSettings

_MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


@click.command("doctor")
@click.argument("url", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of lines.")
def doctor(url: str | None, as_json: bool) -> None:
    """Check yt-dlp, yt-dlp-ejs, the JS runtime, ffmpeg, COOKIES_FILE and YTDLP_OPTIONS.

    \b
    With URL, also extract that video (no download) with the handlers' settings.
    Needs no spreadsheet: only OUTPUT_DIR, COOKIES_FILE, YTDLP_OPTIONS, SUB_LANGS are read.
    Exit codes: 0 everything works (warnings allowed), 1 a check failed, 2 a bad setting.

    \b
    Examples:
      orc doctor
      orc doctor https://www.youtube.com/watch?v=dQw4w9WgXcQ
    """
    try:
        settings = HandlerSettings.from_env()
    except ConfigError as exc:
        fail_config(exc)
        return
    from agent.tasks.failures import classify_task_failure

    def describe(exc: BaseException) -> str:
        failure = classify_task_failure(exc)
        return f"{failure.error_class.value}: {failure.reason}"

    checks = run_checks(settings, url, describe=describe)
    failed = any(c.level == "fail" for c in checks)
    if as_json:
        click.echo(json.dumps({"ok": not failed, "checks": [c.as_dict() for c in checks]}))
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            click.echo(f"{_MARK[c.level]}  {c.name.ljust(width)}  {c.detail}")
    raise SystemExit(EXIT_FAILURE if failed else EXIT_OK)
