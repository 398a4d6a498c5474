"""yt-gsheet-orchestrator: agents that share work over YouTube sources through a Google Sheet.

Public API::

    from agent import Config, Orchestrator
"""

from agent.__about__ import __version__
from agent.config import Config

__all__ = ["Config", "__version__"]
