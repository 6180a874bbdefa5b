"""CSV cells safe to open in a spreadsheet (no formula injection).

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets (CWE-1236; OWASP "CSV
Injection"). Every CSV this service writes goes through :func:`cell` (or the
:func:`writer` that applies it), which prefixes such a cell with a single quote ``'``,
so the spreadsheet shows it as text. Numbers (``int``/``float``) and text that is just a
number (``-12.5``) are left alone, so negative changes stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def cell(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row made safe (:func:`cell`)."""
    return [cell(v) for v in values]


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """A ``csv.writer`` whose rows pass through :func:`row` first."""

    def __init__(self, inner: _Writer) -> None:
        self._inner = inner

    def writerow(self, values: Iterable[Any]) -> Any:
        """Write one row, each cell made safe."""
        return self._inner.writerow(row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write several rows, each cell made safe."""
        for r in rows:
            self.writerow(r)


def writer(buf: Any, **kwargs: Any) -> SafeWriter:
    """``csv.writer(buf, lineterminator="\\r\\n", **kwargs)`` with formula-safe cells."""
    kwargs.setdefault("lineterminator", "\r\n")
    return SafeWriter(csv.writer(buf, **kwargs))
