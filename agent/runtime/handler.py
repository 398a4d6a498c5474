"""The user's callback: what it is, and loading it from ``TASK_HANDLER``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from agent.errors import ConfigError

Callback = Callable[[str], object]


def load_handler(spec: str) -> Callback:
    """Import ``module:function``; a :class:`ConfigError` naming TASK_HANDLER when it fails."""
    module_name, _, function_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, function_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError("TASK_HANDLER", f"cannot load {spec!r} ({exc})") from None
    if not callable(handler):
        raise ConfigError("TASK_HANDLER", f"{spec!r} is not callable")
    return handler  # type: ignore[no-any-return]
