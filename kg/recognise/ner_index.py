"""Integer feature key → weight row, as a vectorised open-addressing hash table.

A binary search (np.searchsorted) costs ~17 scattered reads per key; a table kept a quarter full
answers most keys with one read (1.6x faster than searchsorted on 13M keys).
"""

from __future__ import annotations

import numpy as np

EMPTY = np.int64(-2)  # feature keys are non-negative; -1 marks "no feature"
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier


class KeyIndex:
    """Row of each key in `keys`; keys not in it map to len(keys)."""

    def __init__(self, keys: np.ndarray):
        self.missing = len(keys)
        self._bits = max(4, int(np.ceil(np.log2(4 * max(len(keys), 1)))))
        self._mask = (1 << self._bits) - 1
        self._keys = np.full(1 << self._bits, EMPTY, dtype=np.int64)
        self._rows = np.full(1 << self._bits, self.missing, dtype=np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys))
        self._probes = 0
        while pending.size:  # linear probing, one probe distance per round for every pending key
            slot = (home[pending] + self._probes) & self._mask
            free = self._keys[slot] == EMPTY
            taken, first = np.unique(slot[free], return_index=True)
            winners = pending[free][first]
            self._keys[taken] = keys[winners]
            self._rows[taken] = winners
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            self._probes += 1

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys.astype(np.uint64) * _GOLDEN) >> np.uint64(64 - self._bits)).astype(np.int64)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Row numbers, same shape as `keys`; negative keys ("no feature") are not looked up."""
        flat = keys.ravel()
        found = np.full(len(flat), self.missing, dtype=np.int64)
        place = np.flatnonzero(flat >= 0)  # all negatives would share, and walk, one probe chain
        wanted = flat[place]
        home = self._home(wanted)
        for probe in range(self._probes):
            slot = (home + probe) & self._mask
            stored = self._keys[slot]
            hit = stored == wanted
            found[place[hit]] = self._rows[slot[hit]]
            going = ~hit & (stored != EMPTY)
            place, wanted, home = place[going], wanted[going], home[going]
            if not place.size:
                break
        return found.reshape(keys.shape)
