"""Which Tasks History rows to remove, planned from reads and removed by whole-row copies.

Both removals go through :mod:`agent.coordination.queue.compaction` (copies under the header,
``deleteDuplicates`` over whole rows, the copies deleted again), never by a column index, so a
column inserted, moved or deleted between the read and the write can only make them remove
less (docs/protocol.md §5b, §12):

- the heal: a task in two History rows (a finisher that froze past its lease and appended after
  another agent had recovered its row) keeps its first row as read; each later row goes, by a
  copy when it differs from the first, by the whole-row comparison alone when it repeats the
  first to the letter (a copy of it would remove the first too);
- the rotation: the oldest rows, read whole and archived, go exactly as read, in batches of at
  most :data:`COPIES_PER_BATCH` copies (and about a megabyte of them).

The range reaches the end of the grid: ``deleteDuplicates`` shifts up only the cells inside its
range, so a bounded range would leave the removed rows as blank rows above the rest of History.
It never exceeds the grid, whatever was deleted meanwhile. Every History row is the agents':
a row identical in every cell to an earlier one goes, whoever wrote it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence

from agent.coordination.queue.compaction import Candidate, Key, Removal, plan_copies, row_key
from agent.schema import ColumnMap

#: Copies in one batchUpdate at most (Google advises requests under 2 MB).
COPIES_PER_BATCH = 1_000
COPY_BYTES_PER_BATCH = 1_000_000
#: Rows a heal reads whole at most, in as many runs of consecutive rows at most (the first
#: ones; the next heal goes on from there).
HEAL_ROWS = 2_000
HEAL_RUNS = 100


def heal_runs(ids: Sequence[str], first_row: int = 2) -> list[tuple[int, int]]:
    """The rows a heal must read whole, as (first, last) runs of row numbers, from a read of the
    ID column from ``first_row``: every row whose ID another row holds too (none: nothing to
    heal). At most :data:`HEAL_RUNS` runs and :data:`HEAL_ROWS` rows."""
    keys = [_id_key(i) for i in ids]
    counts: dict[Key, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    out: list[tuple[int, int]] = []
    for number in (first_row + n for n, key in enumerate(keys) if key and counts[key] > 1):
        if out and out[-1][1] == number - 1:
            out[-1] = (out[-1][0], number)
        elif len(out) < HEAL_RUNS:
            out.append((number, number))
        else:
            break
        if sum(last - first + 1 for first, last in out) >= HEAL_ROWS:
            break
    return out


def plan_heal(
    cmap: ColumnMap, ids: Sequence[str], rows: Mapping[int, Sequence[str]], first_row: int = 2
) -> Removal | None:
    """The removal of the later rows of each ID held twice, from the ID column as read from
    ``first_row`` (``ids``) and those rows read whole since (row number -> cells). None when
    nothing is to go, or when a row read whole no longer holds the ID that the column read saw
    there (rows moved between the two reads: nothing is removed by a guess)."""
    id_col = cmap.col("id")
    first_ids: set[Key] = set()
    earlier: set[Key] = set()
    candidates: list[Candidate] = []
    repeats = 0
    for number in sorted(rows):
        cells = [str(c) for c in rows[number]]
        key = _id_key(cells[id_col] if id_col < len(cells) else "")
        offset = number - first_row
        if not 0 <= offset < len(ids) or key != _id_key(ids[offset]):
            return None
        whole = row_key(cells)
        doomed = bool(key) and key in first_ids and whole not in earlier
        candidates.append(Candidate(number - 1, cells, doomed, True))
        repeats += bool(key) and key in first_ids
        first_ids.add(key)
        earlier.add(whole)
    removal = plan_copies(candidates, first_row - 1 + len(ids)) or Removal((), None, 0)
    # Later rows equal to the first in every cell go by the comparison alone, without copies.
    return Removal(removal.keepers, None, repeats) if repeats else None


def plan_rotation(cmap: ColumnMap, values: Sequence[Sequence[object]]) -> list[Removal]:
    """The removals of every row with an ID in a read of rows 2.. (``values``), in batches."""
    id_col = cmap.col("id")
    batches: list[list[Candidate]] = []
    size = 0
    for offset, row in enumerate(values):
        cells = [str(c) for c in row]
        if id_col >= len(cells) or not cells[id_col].strip():
            continue
        row_size = sum(len(json.dumps(c, ensure_ascii=False).encode()) + 40 for c in cells)
        if not batches or (
            len(batches[-1]) >= COPIES_PER_BATCH or size + row_size > COPY_BYTES_PER_BATCH
        ):
            batches.append([])
            size = 0
        batches[-1].append(Candidate(1 + offset, cells, True, True))
        size += row_size
    planned = (_to_grid_end(plan_copies(batch, 1 + len(values))) for batch in batches)
    return [removal for removal in planned if removal is not None]


def _to_grid_end(removal: Removal | None) -> Removal | None:
    return None if removal is None else dataclasses.replace(removal, end=None)


def _id_key(text: str) -> Key:
    return row_key([text.strip()])
