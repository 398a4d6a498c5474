"""One ``orc demo`` run: emulator, spreadsheet, local feed, agents, live view, summary.

Everything started here is stopped here, in reverse order, whatever happens (an
:class:`~contextlib.ExitStack`): agents get SIGTERM (they give back their claims and go
INACTIVE), then SIGKILL if they linger; the feed site and the emulator stop last.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text

from agent.coordination.enqueue import add_sources
from agent.coordination.layout import init_spreadsheet
from agent.demo import catalog, view
from agent.demo.fleet import DEMO_SETTINGS, HANDLER, AgentFleet
from agent.demo.outcome import SUMMARY_PREFIX, api_usage, read_outcome, summary
from agent.demo.site import FeedSite
from agent.schema import Language
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from agent.status import snapshot

OBSERVER = "orc-demo"
#: The observer reads as often as it likes: the emulator enforces no quota in the demo.
OBSERVER_QUOTA_PER_MINUTE = 100_000


@dataclass(frozen=True)
class DemoOptions:
    """What ``orc demo``'s options choose."""

    agents: int = 3
    live: bool = True
    keep: bool = False
    timeout_s: float = 180.0
    task_seconds: float = 0.8
    header_language: Language = "en"
    emulator_port: int = 0
    refresh_s: float = 0.5
    data_path: Path | None = None
    summary_path: Path | None = None


class DemoTimeout(Exception):
    """The agents did not finish within ``--timeout``."""


class DemoSession:
    """One demo run; :meth:`run` returns the exit code (0 when every task ended as expected)."""

    def __init__(self, options: DemoOptions, console: Console | None = None) -> None:
        self.options = options
        self.console = console or Console()
        self.started = time.monotonic()
        self.workdir = Path(tempfile.mkdtemp(prefix="orc-demo-"))
        self.keep_workdir = False
        self.work_started = self.started
        self.live_shown = False

    def say(self, text: str, style: str = "") -> None:
        """One line of narration (plain text, never markup; not cut, so commands paste whole)."""
        self.console.print(Text(text, style=style), soft_wrap=True)

    def run(self) -> int:
        """Run the demo; every server and process is stopped before this returns."""
        from sheets_emulator import EmulatorServer

        with ExitStack() as stack:
            stack.callback(self._remove_workdir)
            emulator = EmulatorServer(
                host="127.0.0.1",
                port=self.options.emulator_port,
                data_path=self.options.data_path,
            )
            emulator.start()
            stack.callback(emulator.stop)
            site = stack.enter_context(FeedSite(catalog.PAGES))
            gateway = self._prepare(emulator.host_port, site)
            fleet = AgentFleet(self.workdir, self._settings(emulator.host_port, gateway))
            stack.callback(self._stop_fleet, fleet)
            self._start_agents(fleet)
            header = (
                f"orc demo · emulator {emulator.host_port} · spreadsheet {gateway.spreadsheet_id}"
            )
            try:
                self._watch(gateway, fleet, emulator.stats, header)
            except DemoTimeout:
                self.say(f"timed out after {self.options.timeout_s:.0f} s", "red")
            fleet.stop()
            result = self._conclude(gateway, fleet, emulator.stats())
            if self.options.keep:
                self._keep(emulator.host_port, gateway.spreadsheet_id, site.base_url)
            return 0 if result["ok"] else 1

    # ------------------------------------------------------------------ setup
    def _start_agents(self, fleet: AgentFleet) -> None:
        for number in range(1, self.options.agents + 1):
            fleet.start(f"demo-agent-{number}")
        self.work_started = time.monotonic()
        names = ", ".join(a.name for a in fleet.agents)
        self.say(f"started {len(fleet.agents)} agents ({names}), handler {HANDLER}")

    def _prepare(self, host_port: str, site: FeedSite) -> SheetsGateway:
        """Create the spreadsheet, run ``orc init``'s code on it, add the sources."""
        client = make_client(
            user=OBSERVER,
            emulator_host=host_port,
            read_per_minute=OBSERVER_QUOTA_PER_MINUTE,
            write_per_minute=OBSERVER_QUOTA_PER_MINUTE,
            timeout_s=10.0,
        )
        spreadsheet = client.create("orc demo")
        gateway = SheetsGateway(client, spreadsheet.id)
        report = init_spreadsheet(gateway, self.options.header_language)
        self.say(f"Sheets emulator on {host_port}; spreadsheet {gateway.spreadsheet_id}")
        self.say(
            f"orc init: created {len(report.tabs_created)} tabs "
            f"({self.options.header_language} headers): {', '.join(report.tabs_created)}"
        )
        pages = ", ".join(
            f"{p.path.lstrip('/')} ({len(p.videos)} {'RSS items' if p.kind == 'rss' else 'embeds'})"
            for p in catalog.PAGES
        )
        self.say(f"local feed on {site.base_url}: {pages}")
        self.say(
            f"YouTube channel {catalog.CHANNEL_URL}: answered offline (Videos and Shorts tabs)"
        )
        urls = catalog.all_source_urls(site.base_url)
        add_sources(gateway, urls)
        self.say(
            f"added {len(urls)} sources, one typed without https:// "
            f"({catalog.INVALID_SOURCE!r}), which the leader must reject; "
            f"{len(catalog.expected_video_ids())} distinct videos to process"
        )
        return gateway

    def _settings(self, host_port: str, gateway: SheetsGateway) -> dict[str, str]:
        state = self.workdir / "handler-state"
        state.mkdir()
        return {
            **DEMO_SETTINGS,
            "SPREADSHEET_ID": gateway.spreadsheet_id,
            "SHEETS_EMULATOR_HOST": host_port,
            "HEADER_LANGUAGE": self.options.header_language,
            "DEMO_TASK_SECONDS": str(self.options.task_seconds),
            "DEMO_STATE_DIR": str(state),
        }

    # ------------------------------------------------------------------ watching
    def _watch(
        self,
        gateway: SheetsGateway,
        fleet: AgentFleet,
        stats: Callable[[], dict[str, Any]],
        header: str,
    ) -> None:
        """Refresh the view until every agent has exited (burst agents exit when drained)."""
        total = len(catalog.expected_video_ids())
        work_started = self.work_started
        deadline = work_started + self.options.timeout_s

        def frame() -> view.Frame:
            now = time.monotonic()
            return view.Frame(
                data=snapshot(gateway),
                total=total,
                elapsed_s=now - self.started,
                work_s=now - work_started,
                api_calls=api_usage(stats(), OBSERVER).by_agents,
                agents_running=len(fleet.running()),
                agents=len(fleet.agents),
            )

        self.live_shown = self.options.live and self.console.is_terminal
        if self.live_shown:
            with Live(console=self.console, refresh_per_second=4, transient=False) as screen:
                while True:
                    current = frame()
                    screen.update(view.live(current, header))
                    if self._finished(fleet, deadline):
                        return
                    time.sleep(self.options.refresh_s)
        last_key: tuple[object, ...] = ()
        last_print = 0.0
        while True:
            current = frame()
            key = view.line_key(current)
            if key != last_key or time.monotonic() - last_print > 10:
                print(view.line(current), flush=True)
                last_key, last_print = key, time.monotonic()
            if self._finished(fleet, deadline):
                return
            time.sleep(self.options.refresh_s)

    def _finished(self, fleet: AgentFleet, deadline: float) -> bool:
        if not fleet.running():
            return True
        if time.monotonic() > deadline:
            raise DemoTimeout
        return False

    # ------------------------------------------------------------------ the end
    def _conclude(
        self, gateway: SheetsGateway, fleet: AgentFleet, stats: dict[str, Any]
    ) -> dict[str, Any]:
        """Read the end state, show the summary, print the JSON line; return the summary."""
        outcome = read_outcome(gateway, catalog.expected_video_ids())
        usage = api_usage(stats, OBSERVER)
        elapsed_s = time.monotonic() - self.started
        result = summary(gateway.spreadsheet_id, outcome, usage, fleet.exit_codes(), elapsed_s)
        errors = [
            ("Tasks DLQ", f"{r.get('name') or r.get('url', '')}: {r.get('error', '')}")
            for r in outcome.dead
        ] + [
            ("Sources DLQ", f"{r.get('url', '')}: {r.get('error', '')}")
            for r in outcome.sources_dead
        ]
        # The live view's last frame already lists the dead letters.
        self.console.print(view.summary_table(result, [] if self.live_shown else errors))
        if not result["ok"]:
            self._show_agent_logs(fleet)
        self._emit(result)
        return result

    def _emit(self, result: dict[str, Any]) -> None:
        """The machine-readable last line, and the JSON file when asked for."""
        document = json.dumps(result, ensure_ascii=False, sort_keys=True)
        if self.options.summary_path is not None:
            self.options.summary_path.write_text(document + "\n", encoding="utf-8")
        sys.stdout.write(SUMMARY_PREFIX + document + "\n")
        sys.stdout.flush()

    def _keep(self, host_port: str, spreadsheet_id: str, base_url: str) -> None:
        """Leave the emulator and the feed up until Ctrl-C."""
        self.say("")
        self.say("The emulator stays up. In another terminal, try:", "bold")
        self.say(
            f"  export SHEETS_EMULATOR_HOST={host_port} SPREADSHEET_ID={spreadsheet_id} "
            "WORKER_NAME=me ALLOW_PRIVATE_URLS=127.0.0.0/8"
        )
        self.say("  orc status")
        self.say(f"  SOURCE_URL_POLICY=any orc add-source {base_url}/kitchen.html")
        self.say("Press Ctrl-C to stop it.")
        while True:
            time.sleep(3600)

    def _show_agent_logs(self, fleet: AgentFleet) -> None:
        self.keep_workdir = True
        for process in fleet.agents:
            self.say(f"--- {process.name} (exit code {process.returncode}), last lines:", "bold")
            self.console.print(Text(process.log_tail()))
        self.say(f"agent logs kept in {self.workdir}")

    def _stop_fleet(self, fleet: AgentFleet) -> None:
        if fleet.running():
            self.say("stopping the agents...")
        fleet.stop()

    def _remove_workdir(self) -> None:
        if not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
