"""A small TOML writer for fuzz documents (no TOML writer is a dependency of tradesim).

Tables become ``[headers]`` in document order, everything else inline; ``None`` is left out
(TOML has no null). Strings are escaped so control characters survive the round trip.
"""

from __future__ import annotations

import datetime
import math
import re

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def quote(text: str) -> str:
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def key(k) -> str:
    k = str(k)
    return k if _BARE.match(k) else quote(k)


def value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        items = [f"{key(k)} = {value(x)}" for k, x in v.items() if x is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def dumps(doc: dict) -> str:
    """TOML text of ``doc``: scalars and arrays inline, sub-tables as headers."""
    lines: list[str] = []

    def table(d: dict, path: tuple[str, ...]):
        subs = []
        for k, v in d.items():
            if v is None:
                continue
            if isinstance(v, dict) and v:
                subs.append((k, v))
            else:
                lines.append(f"{key(k)} = {value(v)}")
        for k, v in subs:
            lines.append("")
            lines.append("[" + ".".join(key(p) for p in (*path, k)) + "]")
            table(v, (*path, k))

    table(doc, ())
    return "\n".join(lines).lstrip("\n") + "\n"
