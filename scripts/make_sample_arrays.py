#!/usr/bin/env python3
"""Writes the bundled sample for `edit2audio edit`: CLIP-like tokens and object masks of an
original image (dog + cat) and an edited one (dog + duck), with NumPy only.

The tokens are synthetic but structured the way real ones are: every patch token mixes a
direction of the object under it with noise, CLS mixes the whole image, all rows unit-norm.
Usage: python3 scripts/make_sample_arrays.py OUT_DIR
"""
import sys
from pathlib import Path

import numpy as np

HEIGHT, WIDTH, GRID, DIM = 480, 640, 16, 768


def ellipse(cy, cx, ry, rx):
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1.0


def tokens(rng, concepts, layout):
    """layout: list of (mask, concept index) drawn in order over the background (concept 0)."""
    label = np.zeros((HEIGHT, WIDTH), dtype=int)
    for mask, concept in layout:
        label[mask] = concept
    patches = np.empty((GRID * GRID, DIM))
    ph, pw = HEIGHT // GRID, WIDTH // GRID
    for r in range(GRID):
        for c in range(GRID):
            cell = label[r * ph:(r + 1) * ph, c * pw:(c + 1) * pw]
            weights = np.array([(cell == k).mean() for k in range(len(concepts))])
            patches[r * GRID + c] = weights @ concepts + 0.02 * rng.standard_normal(DIM)
    cls = patches.mean(axis=0) + 0.01 * rng.standard_normal(DIM)
    rows = np.vstack([cls, patches])
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    # Concept directions: background, dog, cat, duck.
    concepts = rng.standard_normal((4, DIM))
    concepts /= np.linalg.norm(concepts, axis=1, keepdims=True)
    dog = ellipse(300, 180, 110, 130)
    cat = ellipse(260, 470, 100, 90)
    duck = ellipse(280, 460, 80, 100)
    original = tokens(rng, concepts, [(dog, 1), (cat, 2)])
    edited = tokens(rng, concepts, [(dog, 1), (duck, 3)])
    np.save(out / "original_tokens.npy", original)
    np.save(out / "edited_tokens.npy", edited)
    np.save(out / "remove_mask.npy", cat.astype(np.uint8))
    np.save(out / "add_mask.npy", duck)  # bool, to exercise both mask dtypes
    print(f"wrote {out}: tokens {original.shape} {original.dtype}, masks {cat.shape}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/edit")
