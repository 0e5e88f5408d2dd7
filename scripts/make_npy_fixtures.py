#!/usr/bin/env python3
"""Writes the small NumPy .npy fixtures that the EditToAudio.IO tests read.

Run once with NumPy installed; the output is committed, so CI needs no Python:

    python3 scripts/make_npy_fixtures.py [OUTPUT_DIR]

Every array is built from arange so the C# tests can assert each value from a
formula (value = f(C-order index)) instead of a stored copy.  The values are
chosen to be exact in every dtype they are written in.
"""
import os
import sys

import numpy as np
from numpy.lib import format as npy_format

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "tests", "EditToAudio.Tests", "Data", "npy")


def ramp(shape, dtype):
    """value[i] = i * 0.25 - 1 for the C-order index i (exact in f2/f4/f8)."""
    count = int(np.prod(shape, dtype=np.int64))
    return (np.arange(count, dtype=np.float64) * 0.25 - 1.0).reshape(shape).astype(dtype)


def thirds(shape, dtype):
    """value[i] = i / 3 (needs float64 to be read back exactly)."""
    count = int(np.prod(shape, dtype=np.int64))
    return (np.arange(count, dtype=np.float64) / 3.0).reshape(shape).astype(dtype)


def save(out, name, array, version=None):
    path = os.path.join(out, name)
    with open(path, "wb") as handle:
        npy_format.write_array(handle, array, version=version, allow_pickle=True)
    print(f"{name}: descr={npy_format.dtype_to_descr(array.dtype)!r} "
          f"shape={array.shape} fortran={array.flags.f_contiguous and not array.flags.c_contiguous} "
          f"bytes={os.path.getsize(path)}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)

    # One file per supported dtype, little-endian, format 1.0.
    save(out, "f4_2x3.npy", ramp((2, 3), "<f4"))
    save(out, "f2_3x4.npy", ramp((3, 4), "<f2"))
    save(out, "f8_2x3.npy", thirds((2, 3), "<f8"))
    save(out, "b1_3x4.npy", (np.arange(12).reshape(3, 4) % 3 == 0))
    save(out, "u1_10.npy", (np.arange(10) * 25).astype(np.uint8))

    # Format versions 2.0 and 3.0 of the same data as f4_2x3.npy.
    save(out, "f4_2x3_v2.npy", ramp((2, 3), "<f4"), version=(2, 0))
    save(out, "f4_2x3_v3.npy", ramp((2, 3), "<f4"), version=(3, 0))

    # Big-endian data.
    save(out, "f4be_2x3.npy", ramp((2, 3), ">f4"))
    save(out, "f8be_2x3.npy", thirds((2, 3), ">f8"))
    save(out, "f2be_3x4.npy", ramp((3, 4), ">f2"))

    # Fortran (column-major) order; values are still a function of the C-order index.
    save(out, "f4_fortran_2x3x4.npy", np.asfortranarray(ramp((2, 3, 4), "<f4")))
    save(out, "f8be_fortran_3x2.npy", np.asfortranarray(thirds((3, 2), ">f8")))

    # Shapes at the edges: 0-d, empty dimensions, a 3-d batch, a batch of masks.
    save(out, "f4_scalar.npy", np.array(3.5, dtype="<f4"))
    save(out, "f4_2x0x3.npy", np.zeros((2, 0, 3), dtype="<f4"))
    save(out, "f4_0.npy", np.zeros((0,), dtype="<f4"))
    save(out, "f4_batch_2x4x5.npy", ramp((2, 4, 5), "<f4"))
    save(out, "b1_batch_2x4x5.npy", (np.arange(40).reshape(2, 4, 5) % 3 == 0))
    # A header long enough that NumPy's spare room for growing the first axis moves the data
    # start to the next 64-byte block: only a writer that reserves that room matches it.
    save(out, "f4_3x1x15.npy", ramp((3,) + (1,) * 15, "<f4"))

    # Dtypes the engine must refuse.
    save(out, "i8_3.npy", np.arange(3, dtype="<i8"))
    save(out, "c8_3.npy", np.arange(3).astype("<c8"))
    save(out, "object_2.npy", np.array([{"a": 1}, None], dtype=object))
    save(out, "structured_2.npy", np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))


if __name__ == "__main__":
    main()
