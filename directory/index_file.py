"""One file holding a built search index: a JSON header, then raw numpy arrays, memory-mapped when read back.

Why not `np.savez`: its members cannot be memory-mapped, so loading a 1M-service index would copy every array into
memory; `np.save` per array would mean a folder of files that cannot be replaced in one atomic rename. This format
is `MAGIC`, the header length, the header (array names, dtypes, shapes, offsets and any JSON-able `meta`), then each
array 64-byte aligned. Writes go to a temporary file renamed over the old one, so readers never see half a file.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

MAGIC = b"SPIDX\x00\x01\x00"
_ALIGN = 64
_WRITE_CHUNK = 1 << 24  # bytes copied at a time when writing


class IndexFileError(ValueError):
    """The file is not a search index this version can read (missing, truncated, old format)."""


def write_index_file(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Write `arrays` and `meta` to `path` atomically."""
    layout: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, array in arrays.items():
        offset = -(-offset // _ALIGN) * _ALIGN
        layout[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += array.nbytes
    header = json.dumps({"arrays": layout, "meta": meta}, separators=(",", ":")).encode()
    start = -(-(len(MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC + struct.pack("<Q", len(header)) + header)
            for name, array in arrays.items():
                out.seek(start + layout[name]["offset"])
                _write_array(out, array)
            out.truncate(start + offset)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_array(out: BinaryIO, array: np.ndarray) -> None:
    """Write an array's bytes a slice at a time: a memory-mapped one (a million service records spilled while
    building, about 1 GB) is released page by page as it is copied instead of being read into memory whole."""
    flat = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    mapping = getattr(array, "_mmap", None)  # numpy.memmap's own mmap (a read-only view of a file)
    for begin in range(0, flat.size, _WRITE_CHUNK):
        out.write(flat[begin : begin + _WRITE_CHUNK].data)
        if isinstance(mapping, mmap.mmap):
            mapping.madvise(mmap.MADV_DONTNEED)  # the pages stay in the file; only this process's copy goes


def read_index_file(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays (read-only, memory-mapped) and meta of an index file."""
    try:
        with path.open("rb") as handle:
            prefix = handle.read(len(MAGIC) + 8)
            if len(prefix) < len(MAGIC) + 8 or prefix[: len(MAGIC)] != MAGIC:
                raise IndexFileError(f"{path.name} is not a search index file of this version")
            (header_length,) = struct.unpack("<Q", prefix[len(MAGIC) :])
            header = json.loads(handle.read(header_length))
        mapped = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, json.JSONDecodeError, struct.error) as problem:
        raise IndexFileError(f"cannot read {path.name}: {problem}") from problem
    start = -(-(len(MAGIC) + 8 + header_length) // _ALIGN) * _ALIGN
    arrays: dict[str, np.ndarray] = {}
    for name, spec in header["arrays"].items():
        dtype = np.dtype(spec["dtype"])
        count = int(np.prod(spec["shape"], dtype=np.int64))
        begin = start + spec["offset"]
        if begin + count * dtype.itemsize > mapped.size:
            raise IndexFileError(f"{path.name} is truncated")
        # a plain ndarray over the mapping: slicing a numpy.memmap costs several microseconds more, per slice
        raw = mapped[begin : begin + count * dtype.itemsize].view(np.ndarray)
        arrays[name] = raw.view(dtype).reshape(spec["shape"])
    return arrays, header["meta"]
