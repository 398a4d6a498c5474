"""The running agent: the loop, the heartbeat, the leader's duties and the stop sequence.

One module per job, sharing an explicit :class:`~agent.runtime.context.AgentContext`:
:mod:`.orchestrator` (the public :class:`Orchestrator` and its loop), :mod:`.heartbeat`
(heartbeat and lease renewals; owns the held claims), :mod:`.tasks` (claiming and finishing
tasks), :mod:`.leader` (what only the leader does), :mod:`.feed` (queueing tasks with dedup),
:mod:`.rotation` (History rotation), :mod:`.stop` (the stop sequence).
"""

from __future__ import annotations

from agent.runtime.handler import Callback, load_handler
from agent.runtime.orchestrator import Orchestrator

__all__ = ["Callback", "Orchestrator", "load_handler"]
