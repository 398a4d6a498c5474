"""``orc doctor``: a real ``orc`` process, its lines and exit codes; the checks in process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.tasks.failures import classify_task_failure
from agent.ytdlp.diagnose import check_cookies, check_ffmpeg, run_checks
from agent.ytdlp.options import YtdlpOptions
from agent.ytdlp.params import HandlerSettings
from tests.sources.helpers import LocalSite, Route
from tests.ytdlp.test_failures_youtube import CASES, WATCH
from tests.ytdlp.youtube_site import LOOPBACK_GUARD, VID_DEFAULT, FakeYoutube

COOKIES = """# Netscape HTTP Cookie File
.youtube.com\tTRUE\t/\tTRUE\t2147483647\tSID\tsecret-session-value
.example.org\tTRUE\t/\tFALSE\t2147483647\tother\tx
"""


def doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m agent doctor`` in ``tmp_path`` (no .env, no spreadsheet settings)."""
    base = {k: v for k, v in os.environ.items() if k not in ("YTDLP_OPTIONS", "COOKIES_FILE")}
    base.update({"OUTPUT_DIR": str(tmp_path / "out"), "ALLOW_PRIVATE_URLS": "127.0.0.1/32", **env})
    return subprocess.run(
        [sys.executable, "-m", "agent", "doctor", *args],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def lines(output: str) -> dict[str, str]:
    """``name -> "level detail"`` from doctor's text output."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        level, name, detail = line[:4].strip(), line[6:].split("  ")[0].strip(), line
        found[name] = f"{level} {detail}"
    return found


def test_doctor_reports_the_toolchain_and_extracts_a_url(site: LocalSite, tmp_path: Path) -> None:
    site.routes["/clip.mp4"] = Route("x" * 2048, content_type="video/mp4")
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(COOKIES, encoding="utf-8")
    cookies.chmod(0o600)
    done = doctor(tmp_path, site.url("/clip.mp4"), COOKIES_FILE=str(cookies))
    assert done.returncode == 0, done.stdout + done.stderr
    report = lines(done.stdout)
    assert report["yt-dlp"].startswith(("ok", "warn")) and "days old" in report["yt-dlp"]
    assert report["yt-dlp-ejs"].startswith("ok")
    assert report["JS runtime"].startswith("ok") and "deno" in report["JS runtime"]
    assert report["ffmpeg"].startswith(("ok", "warn"))
    assert report["cookies"].startswith("ok")
    assert "2 cookies, 1 for youtube.com" in report["cookies"]
    assert report["extraction"].startswith("ok") and "id clip" in report["extraction"]
    assert "secret-session-value" not in done.stdout + done.stderr


def test_doctor_fails_on_a_url_that_does_not_extract(site: LocalSite, tmp_path: Path) -> None:
    done = doctor(tmp_path, site.url("/gone"), "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    (extraction,) = [c for c in report["checks"] if c["name"] == "extraction"]
    assert extraction["level"] == "fail"
    assert extraction["detail"].startswith("extractor: ")
    assert "HTTP Error 404" in extraction["detail"]


def test_doctor_exits_2_naming_the_bad_option(tmp_path: Path) -> None:
    done = doctor(tmp_path, YTDLP_OPTIONS='{"rate_limit": "fast"}')
    assert done.returncode == 2
    assert "YTDLP_OPTIONS" in done.stderr and "'rate_limit'" in done.stderr
    assert done.stdout == ""


def test_doctor_fails_on_an_unreadable_cookies_file(tmp_path: Path) -> None:
    done = doctor(tmp_path, COOKIES_FILE=str(tmp_path / "missing.txt"))
    assert done.returncode == 1
    assert lines(done.stdout)["cookies"].startswith("FAIL")


def test_cookie_checks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a cookies file\n", encoding="utf-8")
    assert check_cookies(bad).level == "fail"
    shared = tmp_path / "shared.txt"
    shared.write_text(COOKIES, encoding="utf-8")
    shared.chmod(0o644)
    assert check_cookies(shared).level == "warn" and "chmod 600" in check_cookies(shared).detail
    assert check_cookies(None).level == "ok"


def test_ffmpeg_is_required_only_for_audio_conversion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg here
    assert check_ffmpeg(HandlerSettings()).level == "warn"
    convert = check_ffmpeg(HandlerSettings(options=YtdlpOptions(audio_format="mp3")))
    assert convert.level == "fail"
    assert "audio_format" in convert.detail


def test_dry_extraction_names_the_failure_class(youtube: FakeYoutube) -> None:
    youtube.videos[VID_DEFAULT] = CASES["bot_check"][2]
    settings = HandlerSettings(extra_params=youtube.params(), guard=LOOPBACK_GUARD)
    checks = run_checks(
        settings, WATCH, describe=lambda e: classify_task_failure(e).error_class.value
    )
    (extraction,) = [c for c in checks if c.name == "extraction"]
    assert extraction.level == "fail"
    assert extraction.detail == "bot_check"


def test_doctor_names_a_refused_address(site: LocalSite, tmp_path: Path) -> None:
    done = doctor(tmp_path, site.url("/clip.mp4"), ALLOW_PRIVATE_URLS="")
    assert done.returncode == 1
    assert "FAIL" in lines(done.stdout)["extraction"]
    assert "refused: " in lines(done.stdout)["extraction"]
