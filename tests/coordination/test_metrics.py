"""`orc run --metrics-port`: a running agent process scraped over HTTP on 127.0.0.1."""

from __future__ import annotations

import re
import signal
import socket

import requests
from prometheus_client.parser import text_string_to_metric_families
from sheets_emulator import EmulatorServer

from agent.coordination.enqueue import enqueue_tasks
from agent.schema import TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, read_tab, seed_tasks, wait_for

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    """Every sample of ``/metrics``, by name and sorted labels."""
    reply = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    reply.raise_for_status()
    samples: Samples = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when absent)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(
        v
        for (n, got), v in samples.items()
        if n == name and all((k, w) in got for k, w in labels.items())
    )


def test_a_running_agent_exposes_metrics_that_move(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    agent = fleet.start(
        "measured",
        burst=False,
        options=("--metrics-port", "0", "--metrics-host", "127.0.0.1"),
        CLAIM_BATCH="2",
        HANDLER_SLEEP_S="0.3",
        HANDLER_FAIL_EVERY="2",  # about half the tasks fail their first attempt
    )
    wait_for(lambda: "/metrics" in agent.output(), 60, "the metrics endpoint")
    found = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", agent.output())
    assert found, agent.output()[-2000:]
    port = int(found.group(1))
    wait_for(lambda: value(scrape(port), "orc_leader_term") >= 1, 60, "leadership")
    before = scrape(port)
    assert value(before, "orc_is_leader") == 1
    assert value(before, "orc_fleet_state", state="RUNNING") == 1
    assert total(before, "orc_tasks_total") == 0

    seed_tasks(sheet, 10)
    # A task whose URL the row check refuses: its error class is known.
    enqueue_tasks(sheet, [{"url": "ftp://example.test/not-http", "video_key": "refused"}])
    wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 10, 120, "ten tasks done")
    wait_for(
        lambda: value(scrape(port), "orc_queue_rows", tab="Tasks DLQ", state="FAILED") == 1,
        60,
        "the leader's count of the DLQ",
    )
    after = scrape(port)
    agent.popen.send_signal(signal.SIGTERM)
    fleet.wait_all(timeout_s=60)

    assert value(after, "orc_tasks_total", result="done", error_class="") == 10
    retried = total(after, "orc_tasks_total", result="retried")
    assert (
        retried >= 1
        and value(after, "orc_tasks_total", result="retried", error_class="callback") == retried
    )
    assert value(after, "orc_tasks_total", result="failed", error_class="refused") == 1
    assert total(after, "orc_tasks_total", result="failed") == 1
    assert value(after, "orc_callback_duration_seconds_count") == 10 + retried + 1
    assert value(after, "orc_callback_duration_seconds_bucket", le="+Inf") == 10 + retried + 1
    assert value(after, "orc_callback_duration_seconds_sum") >= 0.3 * 10
    for purpose in ("read", "write"):
        assert total(after, "orc_sheets_api_calls_total", purpose=purpose, status="200") > total(
            before, "orc_sheets_api_calls_total", purpose=purpose, status="200"
        )
    for component in ("heartbeat", "leader", "tasks"):
        assert total(after, "orc_sheets_api_calls_total", component=component) > total(
            before, "orc_sheets_api_calls_total", component=component
        ), component
    assert value(after, "orc_sheets_api_429_total") == 0
    assert value(after, "orc_lease_renewals_total") > value(before, "orc_lease_renewals_total")
    assert value(after, "orc_lease_lapses_total") == 0
    assert "orc_lease_renewals_late_total" in {name for name, _ in after}
    assert value(after, "orc_queue_rows", tab="Tasks", state="CLAIMED") >= 0
    assert ("orc_queue_rows", (("state", "PENDING"), ("tab", "Sources"))) in after
    assert agent.popen.returncode == 0, agent.output()[-2000:]


def test_a_busy_metrics_port_is_a_configuration_error(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        agent = fleet.start(
            "clash", options=("--metrics-port", str(port), "--metrics-host", "127.0.0.1")
        )
        fleet.wait_all(timeout_s=60)
    assert agent.popen.returncode == 2, agent.output()[-2000:]
    assert f"--metrics-port {port} on 127.0.0.1" in agent.output()
