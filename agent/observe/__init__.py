"""Observability with no knowledge of the agent: Prometheus metrics and webhook notices.

:mod:`agent.runtime.telemetry` feeds them; nothing here imports the runtime.
"""
