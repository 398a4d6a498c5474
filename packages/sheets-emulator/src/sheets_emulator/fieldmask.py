"""Google field masks: ``fields=`` on reads and ``fields`` in update requests.

Syntax: comma-separated paths; ``.`` or ``/`` between path parts; ``a(b,c)`` groups sub-fields;
``*`` is everything. A mask is a tree of dicts; an empty dict marks a whole field.
"""

from __future__ import annotations

import copy
from typing import Any

Mask = dict[str, Any]
ALL: Mask = {"*": {}}


class MaskError(ValueError):
    """A field mask that does not parse."""


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise MaskError(f"unbalanced ')' in {text!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise MaskError(f"unbalanced '(' in {text!r}")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _add(tree: Mask, path: list[str], sub: Mask | None) -> None:
    node = tree
    for name in path[:-1]:
        if node.get(name) == {} and name in node:
            return  # a whole field already covers this deeper path
        node = node.setdefault(name, {})
    last = path[-1]
    if node.get(last) == {} and last in node:
        return
    if sub is None or is_all(sub):
        node[last] = {}
        return
    _merge_tree(node.setdefault(last, {}), sub)


def _merge_tree(dst: Mask, src: Mask) -> None:
    for key, value in src.items():
        if dst.get(key) == {} and key in dst:
            continue
        if value == {}:
            dst[key] = {}
        else:
            _merge_tree(dst.setdefault(key, {}), value)


def parse_mask(text: str | None) -> Mask:
    """Parse a mask; ``None``, ``""`` and ``"*"`` give :data:`ALL`."""
    if text is None or text.strip() in ("", "*"):
        return ALL
    tree: Mask = {}
    for item in _split_top(text):
        sub: Mask | None = None
        if item.endswith(")"):
            open_at = item.find("(")
            if open_at < 0:
                raise MaskError(f"bad field {item!r}")
            sub = parse_mask(item[open_at + 1 : -1])
            item = item[:open_at]
        path = [p for p in item.replace("/", ".").split(".") if p]
        if not path:
            raise MaskError(f"empty field in {text!r}")
        _add(tree, path, sub)
    return tree


def is_all(mask: Mask) -> bool:
    """Whether the mask selects everything at this level."""
    return mask == {} or "*" in mask


def apply_mask(value: Any, mask: Mask) -> Any:
    """A copy of ``value`` keeping only the masked fields (lists are masked element-wise)."""
    if is_all(mask):
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if isinstance(value, dict):
        return {key: apply_mask(value[key], sub) for key, sub in mask.items() if key in value}
    return value


def merge_masked(target: dict[str, Any], source: dict[str, Any], mask: Mask) -> None:
    """Copy the masked fields of ``source`` into ``target``; masked fields absent are cleared."""
    if is_all(mask):
        target.clear()
        target.update(copy.deepcopy(source))
        return
    for key, sub in mask.items():
        incoming = source.get(key)
        if is_all(sub) or not isinstance(incoming, (dict, type(None))):
            if incoming is None:
                target.pop(key, None)
            else:
                target[key] = copy.deepcopy(incoming)
            continue
        child = target.get(key)
        if not isinstance(child, dict):
            child = {}
        merge_masked(child, incoming or {}, sub)
        if child:
            target[key] = child
        else:
            target.pop(key, None)


def top_fields(mask: Mask) -> set[str]:
    """The first-level field names of a mask."""
    return set(mask)
