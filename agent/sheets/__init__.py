"""Sheets I/O: the client factory, pacing, bounded retries and batched calls.

Nothing here knows about tasks or leases; :mod:`agent.coordination` builds on it.
"""
