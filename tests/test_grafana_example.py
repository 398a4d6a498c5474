"""examples/grafana/orc-fleet.json: valid JSON, a panel for every metric an agent exposes, and
no query for a metric that does not exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

from agent.observe.metrics import AgentMetrics

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "examples" / "grafana" / "orc-fleet.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exposed_samples() -> dict[str, set[str]]:
    """Each metric family of a fresh agent, with the sample names Prometheus stores for it."""
    families: dict[str, set[str]] = {}
    for family in AgentMetrics().registry.collect():
        families[family.name] = {family.name + s for s in SUFFIXES[family.type]}
    return families


def test_the_dashboard_is_valid_json_with_a_panel_for_every_metric() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels), "panel ids repeat"
    for panel in panels:
        assert panel["title"] and panel["targets"], panel
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        assert panel["datasource"]["type"] == "prometheus"
    queried = {
        name
        for panel in panels
        for target in panel["targets"]
        for name in re.findall(r"\borc_[a-z0-9_]+", target["expr"])
    }
    families = exposed_samples()
    assert len(families) >= 11, families
    missing = {family for family, samples in families.items() if not samples & queried}
    assert not missing, f"no panel shows {sorted(missing)}"
    known = set().union(*families.values())
    unknown = queried - known
    assert not unknown, f"the dashboard queries metrics no agent exposes: {sorted(unknown)}"
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert {"datasource", "job"} <= variables
