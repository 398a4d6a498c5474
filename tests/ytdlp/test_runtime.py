"""Real yt-dlp finds the PyPI deno and runs yt-dlp-ejs's challenge solver in it, offline."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yt_dlp
from yt_dlp.extractor.youtube.jsc._director import initialize_jsc_director
from yt_dlp.extractor.youtube.jsc.provider import (
    JsChallengeRequest,
    JsChallengeType,
    NChallengeInput,
    SigChallengeInput,
)

from agent.ytdlp import runtime
from tests.sources.helpers import LocalSite, Route

PLAYER = (Path(__file__).parents[1] / "fixtures" / "player_base.js").read_text(encoding="utf-8")
PLAYER_PATH = "/s/player/0123abcd/player_ias.vflset/en_US/base.js"


def test_deno_from_pypi_is_found_and_supported() -> None:
    found = runtime.find_js_runtime()
    assert found is not None
    assert found.name == "deno"
    assert found.supported
    assert os.path.samefile(found.path, str(runtime.deno_package_binary()))
    assert found.version.split(".")[0] >= "2"


def test_ejs_scripts_come_with_ytdlp() -> None:
    version = runtime.ytdlp_version()
    assert version.ejs_version is not None
    assert version.released is not None
    assert version.age_days(version.released + dt.timedelta(days=3)) == 3


def test_deno_package_path_is_passed_when_ytdlp_would_not_find_it() -> None:
    binary = runtime.deno_package_binary()
    assert binary is not None
    elsewhere = runtime.JsRuntime("deno", binary, "2", True, "deno package")
    params = runtime.js_runtime_params(elsewhere)
    assert params == {"js_runtimes": {"deno": {"path": binary}}}
    with yt_dlp.YoutubeDL({"quiet": True, **params}) as ydl:
        info = ydl._js_runtimes["deno"].info
    assert info is not None and info.path == binary and info.supported
    found_by_ytdlp = runtime.JsRuntime("deno", binary, "2", True, "yt-dlp lookup")
    assert runtime.js_runtime_params(found_by_ytdlp) == {}


def test_ytdlp_solves_player_challenges_with_deno(site: LocalSite) -> None:
    site.routes[PLAYER_PATH] = Route(PLAYER, content_type="text/javascript")
    player_url = site.url(PLAYER_PATH)
    with yt_dlp.YoutubeDL({"quiet": True, "no_warnings": True, "cachedir": False}) as ydl:
        ie = ydl.get_info_extractor("Youtube")
        director = initialize_jsc_director(ie)
        deno = director.providers["Deno"]
        assert deno.is_available()
        assert deno._core_script.source.value == "python package"  # yt-dlp-ejs, not the web
        answers = director.bulk_solve(
            [
                JsChallengeRequest(JsChallengeType.N, NChallengeInput(player_url, ["abc123"])),
                JsChallengeRequest(JsChallengeType.SIG, SigChallengeInput(player_url, ["xyz"])),
            ]
        )
    results = {request.type: response.output.results for request, response in answers}
    assert results[JsChallengeType.N] == {"abc123": "321cba"}
    assert results[JsChallengeType.SIG] == {"xyz": "zyx!"}
    assert site.hits == [PLAYER_PATH]
