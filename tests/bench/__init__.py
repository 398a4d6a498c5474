"""Benchmarks: run with ``python -m tests.bench...``; they print figures and assert nothing."""
