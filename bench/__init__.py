"""Benchmarks: run with ``python -m bench...``; they print figures and assert nothing."""
