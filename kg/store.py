"""On-disk maps for state that grows with the corpus: SQLite (stdlib) behind a bounded cache.

The entity resolver keeps one entry per distinct name it has read; over a large corpus that is
millions of names. `DiskMap` is a dict-like table in a SQLite file with a write-back LRU cache
of at most `capacity` entries in front of it, so memory stays flat however many names there are
while the hot names (most mentions hit a few thousand of them) are served from memory.
`DiskList` is an append-only list in the same file. Keys are pairs of strings (the first
without U+001F); values go through a `Codec` (JSON by default). The file is temporary unless a path is given.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generic, Iterator, TypeVar

V = TypeVar("V")

DEFAULT_CAPACITY = 20_000  # cached entries per map: about 30 MB for the resolver's groups
MIN_CAPACITY = 16  # an entry just read must outlive the next read, which evicts a tenth
_ABSENT = object()  # cached "not in the table": a miss costs one query, not one per lookup
_SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class Codec(Generic[V]):
    """How a value is written to and read from a table cell."""

    dumps: Callable[[V], Any]
    loads: Callable[[Any], V]


JSON = Codec(lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")), json.loads)
TEXT = Codec(str, str)


def json_codec(to_cells: Callable[[Any], Any], from_cells: Callable[[Any], Any]) -> Codec:
    """Values written as the JSON of `to_cells(value)`, read back through `from_cells`."""
    return Codec(lambda v: JSON.dumps(to_cells(v)), lambda text: from_cells(json.loads(text)))



PAIR = Codec(lambda v: _key(v), lambda v: _unkey(v))
NOTHING = Codec(lambda v: None, lambda v: None)


def _key(key: tuple[str, ...]) -> str:
    return _SEP.join(key)


def _unkey(text: str) -> tuple[str, ...]:
    return tuple(text.split(_SEP, 1))


class Store:
    """One SQLite file holding any number of maps and lists; removed on `close` when temporary."""

    def __init__(self, path: str | Path | None = None):
        self._tempdir = None if path is not None else tempfile.mkdtemp(prefix="kg-store-")
        self.path = Path(path) if path is not None else Path(self._tempdir) / "store.sqlite"
        self.db = sqlite3.connect(self.path, isolation_level=None)  # transactions by hand
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-16000"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("BEGIN")
        self._maps: list[DiskMap] = []
        self._finalizer = weakref.finalize(self, _close, self.db, self._tempdir)

    def map(self, name: str, codec: Codec = JSON, capacity: int = DEFAULT_CAPACITY, *,
            mutable: bool = False, order_by: Callable[[tuple[str, ...]], str] | None = None) -> "DiskMap":
        table = DiskMap(self, name, codec, capacity, mutable=mutable, order_by=order_by)
        self._maps.append(table)
        return table

    def list(self, name: str, codec: Codec = JSON) -> "DiskList":
        return DiskList(self, name, codec)

    def close(self) -> None:
        """Write every map's cached changes (kept when the store has a path), then close."""
        if self._finalizer.alive and self._tempdir is None:
            for table in self._maps:
                table.flush()
        self._maps.clear()
        self._finalizer()


def _close(db: sqlite3.Connection, tempdir: str | None) -> None:
    try:
        if tempdir is None and db.in_transaction:
            db.commit()  # a store at a path of the caller's is kept; a temporary one is not
        db.close()
    finally:
        if tempdir:
            shutil.rmtree(tempdir, ignore_errors=True)


class DiskMap:
    """A dict of tuple keys in a SQLite table, with a write-back LRU cache of `capacity` entries.

    With `mutable`, values are objects the caller changes in place (a Counter): every cached
    value is written back when it leaves the cache. Otherwise only values set through the map
    are. `order_by(key)` fills a sort column so `items_ordered()` streams in that order.
    """

    def __init__(self, store: Store, name: str, codec: Codec, capacity: int, *, mutable: bool = False,
                 order_by: Callable[[tuple[str, ...]], str] | None = None):
        if not name.isidentifier():
            raise ValueError(f"not a table name: {name!r}")
        self._db, self._table, self._codec = store.db, name, codec
        self._capacity, self._mutable, self._order_by = max(MIN_CAPACITY, capacity), mutable, order_by
        self._cache: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self._dirty: set[tuple[str, ...]] = set()
        self._db.execute(f"CREATE TABLE IF NOT EXISTS {name} (k TEXT PRIMARY KEY, v, o TEXT)")
        if order_by is not None:
            self._db.execute(f"CREATE INDEX IF NOT EXISTS {name}_o ON {name} (o, k)")

    # ---------------------------------------------------------------- cache

    def _remember(self, key: tuple[str, ...], value: Any) -> None:
        self._cache[key] = value
        if len(self._cache) > self._capacity:
            self._evict(max(1, self._capacity // 10))

    def _evict(self, count: int) -> None:
        rows = []
        for _ in range(min(count, len(self._cache))):
            key, value = self._cache.popitem(last=False)
            if value is not _ABSENT and (self._mutable or key in self._dirty):
                rows.append(self._row(key, value))
            self._dirty.discard(key)
        self._write(rows)

    def _row(self, key: tuple[str, ...], value: Any) -> tuple:
        return (_key(key), self._codec.dumps(value), self._order_by(key) if self._order_by else None)

    def _write(self, rows: list[tuple]) -> None:
        if rows:
            self._db.executemany(f"INSERT OR REPLACE INTO {self._table} (k, v, o) VALUES (?, ?, ?)", rows)

    def flush(self) -> None:
        """Every changed cached value to the table (the cache keeps them)."""
        self._write([self._row(k, v) for k, v in self._cache.items() if v is not _ABSENT
                     and (self._mutable or k in self._dirty)])
        self._dirty.clear()

    def _lookup(self, key: tuple[str, ...]) -> Any:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        row = self._db.execute(f"SELECT v FROM {self._table} WHERE k = ?", (_key(key),)).fetchone()
        value = _ABSENT if row is None else self._codec.loads(row[0])
        self._remember(key, value)
        return value

    # ---------------------------------------------------------------- dict interface

    def get(self, key: tuple[str, ...], default: Any = None) -> Any:
        value = self._lookup(key)
        return default if value is _ABSENT else value

    def __getitem__(self, key: tuple[str, ...]) -> Any:
        value = self._lookup(key)
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def __contains__(self, key: tuple[str, ...]) -> bool:
        return self._lookup(key) is not _ABSENT

    def __setitem__(self, key: tuple[str, ...], value: Any) -> None:
        if key in self._cache:
            self._cache.move_to_end(key)
            self._cache[key] = value
        else:
            self._remember(key, value)
        self._dirty.add(key)

    def setdefault(self, key: tuple[str, ...], default: Any) -> Any:
        value = self._lookup(key)
        if value is _ABSENT:
            self[key] = value = default
        return value

    def pop(self, key: tuple[str, ...], *default: Any) -> Any:
        value = self._lookup(key)
        if value is _ABSENT:
            if default:
                return default[0]
            raise KeyError(key)
        self._cache[key] = _ABSENT
        self._dirty.discard(key)
        self._db.execute(f"DELETE FROM {self._table} WHERE k = ?", (_key(key),))
        return value

    def add(self, key: tuple[str, ...]) -> None:
        """Set-like use: the key is present (with no value)."""
        self[key] = None

    def items(self) -> Iterator[tuple[tuple[str, ...], Any]]:
        """Every entry, in no particular order (read from the table after a flush)."""
        self.flush()
        for k, v in self._db.execute(f"SELECT k, v FROM {self._table}"):
            yield _unkey(k), self._codec.loads(v)

    def items_ordered(self) -> Iterator[tuple[tuple[str, ...], Any]]:
        """Every entry sorted by `order_by(key)` (then key), streamed from the index."""
        self.flush()
        for k, v in self._db.execute(f"SELECT k, v FROM {self._table} ORDER BY o, k"):
            yield _unkey(k), self._codec.loads(v)

    def __len__(self) -> int:
        self.flush()
        return self._db.execute(f"SELECT count(*) FROM {self._table}").fetchone()[0]

    @property
    def cached(self) -> int:
        """Entries held in memory now (never more than the capacity)."""
        return len(self._cache)


class DiskList:
    """An append-only list in a SQLite table: append, len, index (also negative) and iterate."""

    def __init__(self, store: Store, name: str, codec: Codec):
        if not name.isidentifier():
            raise ValueError(f"not a table name: {name!r}")
        self._db, self._table, self._codec = store.db, name, codec
        self._db.execute(f"CREATE TABLE IF NOT EXISTS {name} (i INTEGER PRIMARY KEY, v)")
        self._length = self._db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]

    def append(self, value: Any) -> None:
        self._db.execute(f"INSERT INTO {self._table} (i, v) VALUES (?, ?)", (self._length, self._codec.dumps(value)))
        self._length += 1

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError(index)
        row = self._db.execute(f"SELECT v FROM {self._table} WHERE i = ?", (position,)).fetchone()
        return self._codec.loads(row[0])

    def __iter__(self) -> Iterator[Any]:
        for (v,) in self._db.execute(f"SELECT v FROM {self._table} ORDER BY i"):
            yield self._codec.loads(v)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, DiskList)) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"DiskList({self._table}, {self._length} items)"


