"""yt-gsheet-orchestrator: agents that share work over YouTube sources through a Google Sheet.

Public API::

    from agent import Config, Orchestrator

    with Orchestrator(Config()) as orchestrator:   # settings from the environment / .env
        while orchestrator.process_next_task(print):
            pass
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.__about__ import __version__
from agent.config import Config

if TYPE_CHECKING:
    from agent.runtime import Orchestrator

__all__ = ["Config", "Orchestrator", "__version__"]


def __getattr__(name: str) -> Any:
    # Orchestrator pulls in gspread and yt-dlp; import it only when asked for.
    if name == "Orchestrator":
        from agent.runtime import Orchestrator

        return Orchestrator
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
