"""The one reader of the name<TAB>class<TAB>alias|alias… tables.

The same TSV format serves user dictionaries (`--dict`: names the recogniser finds whole) and
alias tables (`--aliases` and ontology/aliases.tsv: names the resolver joins). Both read it here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

FORMAT = "name<TAB>class[<TAB>alias|alias…]"


class DictionaryError(ValueError):
    """A dictionary or alias table that cannot be read, with the file and line."""


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row: the canonical name, its ontology class and its other names."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()


def read_table(path: str | Path) -> list[TableRow]:
    """Every row of a TSV table; blank lines, '#' comments and a `name` header line are skipped.

    A row has two or three cells (trailing empty cells are ignored); anything else raises
    `DictionaryError` naming the file and line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DictionaryError(f"{path}: cannot read: {exc}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        while len(cells) > 2 and not cells[-1]:
            cells.pop()
        if not rows and cells[0].lower() == "name":
            continue
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise DictionaryError(f"{path}:{number}: expected {FORMAT}, got {line[:80]!r}")
        aliases = tuple(a.strip() for a in cells[2].split("|") if a.strip()) if len(cells) == 3 else ()
        rows.append(TableRow(cells[0], cells[1], aliases))
    return rows


def file_hash(path: str | Path) -> str:
    """sha256 of a file's bytes: what a build records, and what a resume compares."""
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
