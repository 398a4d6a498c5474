"""The coordination protocol: lease cells, compare-and-set claims, leadership, compaction.

See ``docs/protocol.md`` for the cell encodings, the state machine and why each race is safe.
"""
