"""Column storage for a large index: flat numpy arrays that can be saved and memory-mapped.

A list of a million names held as Python objects costs about a gigabyte per process (a
``ListedName`` and its strings, a dict key and a list per exact key). Here every per-name and
per-form value is a numpy array — strings as one UTF-8 buffer and offsets, few-valued strings as
small integer codes — so that an index built once can be saved to a directory and opened by every
worker process with ``mmap``: the pages are the operating system's page cache, shared by all
processes, and a process pays only for the pages it reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from operator import attrgetter
from pathlib import Path

import numpy as np


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process (``hash()`` is salted)."""
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=False
    )


class StringColumn(Sequence):
    """Strings as one UTF-8 buffer and the offset of each string in it."""

    __slots__ = ("data", "offsets")

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets

    @classmethod
    def of(cls, values: Iterable[str]) -> StringColumn:
        encoded = list(map(str.encode, values))  # UTF-8
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(
            np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:]
        )
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
        return cls(data, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        start, end = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.data[start:end].tobytes().decode("utf-8")

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.data": self.data, f"{prefix}.offsets": self.offsets}

    @classmethod
    def from_arrays(cls, arrays: dict, prefix: str) -> StringColumn:
        return cls(arrays[f"{prefix}.data"], arrays[f"{prefix}.offsets"])


class Categorical(Sequence):
    """Few distinct values (a country, a kind, a legal form, None) as small integer codes."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: np.ndarray, values: list) -> None:
        self.codes = codes
        self.values = values

    @classmethod
    def of(cls, items: Iterable) -> Categorical:
        items = items if isinstance(items, list) else list(items)
        values = list(dict.fromkeys(items))  # in order of first appearance
        index = {v: i for i, v in enumerate(values)}
        dtype = np.int16 if len(index) < 2**15 else np.int32
        return cls(
            np.fromiter(map(index.__getitem__, items), dtype=dtype, count=len(items)), values
        )

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.values[int(self.codes[i])]


class NameTable(Sequence):
    """The listed names of an index, column by column; ``table[i]`` is the ``ListedName``."""

    FIELDS = ("entry_id", "name", "country", "kind", "source", "name_kind", "concern_codes")
    STRINGS = ("entry_id", "name")

    def __init__(self, columns: dict[str, Sequence], factory) -> None:
        self.columns = columns
        self.factory = factory  # ListedName
        self._size = len(columns["name"])

    @classmethod
    def of(cls, names: Sequence, factory) -> NameTable:
        columns: dict[str, Sequence] = {}
        for f in cls.FIELDS:
            values = list(map(attrgetter(f), names))
            columns[f] = StringColumn.of(values) if f in cls.STRINGS else Categorical.of(values)
        return cls(columns, factory)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        c = self.columns
        return self.factory(
            entry_id=c["entry_id"][i],
            name=c["name"][i],
            country=c["country"][i],
            kind=c["kind"][i],
            source=c["source"][i],
            name_kind=c["name_kind"][i],
            concern_codes=c["concern_codes"][i],
        )

    def __iter__(self):
        for i in range(self._size):
            yield self[i]

    def column(self, field: str) -> Sequence:
        return self.columns[field]


class HashLookup:
    """Exact keys (a form's joined tokens) → form ids, as sorted 64-bit hashes."""

    __slots__ = ("hashes", "fids")

    def __init__(self, hashes: np.ndarray, fids: np.ndarray) -> None:
        self.hashes = hashes
        self.fids = fids

    @classmethod
    def of(cls, hashes: np.ndarray, fids: np.ndarray) -> HashLookup:
        order = np.argsort(hashes, kind="stable")
        return cls(hashes[order], fids[order].astype(np.int32))

    def get(self, key: str) -> np.ndarray:
        h = np.uint64(stable_hash(key))
        lo = int(np.searchsorted(self.hashes, h, side="left"))
        hi = int(np.searchsorted(self.hashes, h, side="right"))
        return self.fids[lo:hi]


def save_arrays(directory: Path, arrays: dict[str, np.ndarray]) -> None:
    for name, array in arrays.items():
        np.save(directory / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def load_arrays(directory: Path, names: Iterable[str], *, mmap: bool) -> dict[str, np.ndarray]:
    mode = "r" if mmap else None
    return {
        name: np.load(directory / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
        for name in names
    }
