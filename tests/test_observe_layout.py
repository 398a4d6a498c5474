"""``agent.observe`` knows nothing of the agent: the runtime feeds it, never the reverse."""

from __future__ import annotations

import grimp

FORBIDDEN = ("agent.cli", "agent.demo", "agent.runtime", "agent.status", "agent.coordination")


def test_observe_imports_no_layer_of_the_agent() -> None:
    graph = grimp.build_graph("agent", cache_dir=None)
    modules = {m for m in graph.modules if m.startswith("agent.observe")}
    assert {"agent.observe.metrics", "agent.observe.notify"} <= modules
    reached = {
        imported
        for module in modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith(FORBIDDEN) or imported.startswith("agent.sheets")
    }
    assert reached == set(), reached
