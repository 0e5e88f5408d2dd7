#!/usr/bin/env python3
"""Speed of `edit2audio edit --threads 1` against the research method in PyTorch (research_edit.py)
on the same generated arrays, on one core, alternating the two, and their agreement.

    dotnet publish -c Release -r linux-x64 --self-contained false src/EditToAudio.Cli -o artifacts/edit2audio
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/research/compare_edit.py --rounds 5 --engine artifacts/edit2audio/edit2audio.dll

The publish is precompiled (ReadyToRun); without --engine the script runs the IL-only build of
`dotnet build -c Release src/EditToAudio.Cli`, which compiles the edit's code on every start.

Prints the median of each side and the median of the per-round ratios: the edit alone (the engine's
own edit_seconds against PyTorch's), the command's read + edit + write (its JSON seconds), the whole
process (starting .NET, reading the .npy files, writing the result) in wall time and in CPU time
(PyTorch's process_time against the child's rusage), each against PyTorch's edit alone.

A command's edit also compiles the code it runs on its first pair; PyTorch is warmed up before it is
timed. So each round also runs the engine on the first half of the pairs, and the difference between
the two edit_seconds, per pair, is the engine's edit once started ("per pair, after start-up"), set
against PyTorch's time per pair.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import research_edit  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_ENGINE = os.path.join(REPO, "src", "EditToAudio.Cli", "bin", "Release", "net10.0", "edit2audio.dll")


def generate(pairs: int, size: int, seed: int):
    """Unit tokens [pairs, 257, 768] with shared directions per image (so regions have structure) and
    [pairs, size, size] bool masks of an ellipse covering 5-35% of the image."""
    rng = np.random.default_rng(seed)
    dim = 768

    def tokens():
        out = np.empty((pairs, 257, dim), dtype=np.float32)
        for p in range(pairs):
            basis = rng.standard_normal((6, dim))
            mixing = rng.standard_normal((257, 6)) * np.array([3, 2, 1.5, 1, 0.7, 0.5])
            t = mixing @ basis + 0.8 * rng.standard_normal((257, dim))
            out[p] = t / np.linalg.norm(t, axis=1, keepdims=True)
        return out

    def masks():
        # One ellipse of the drawn area, inside the image (coverage 5-35% up to pixel rounding).
        out = np.zeros((pairs, size, size), dtype=bool)
        yy, xx = np.mgrid[0:size, 0:size]
        for p in range(pairs):
            area = rng.uniform(0.05, 0.35) * size * size
            aspect = rng.uniform(0.5, 2.0)
            ry = np.sqrt(area / (np.pi * aspect))
            rx = aspect * ry
            cy, cx = rng.uniform(ry, size - ry), rng.uniform(rx, size - rx)
            out[p] = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        return out

    return tokens(), tokens(), masks(), masks()


def run_pytorch(t0, t1, m0, m1):
    """Wall and CPU seconds of PyTorch's edit of every pair (the arrays already in memory)."""
    start, cpu = time.perf_counter(), time.process_time()
    results = [research_edit.edit(t0[p], t1[p], m0[p], m1[p]) for p in range(t0.shape[0])]
    return time.perf_counter() - start, time.process_time() - cpu, torch.stack(results).numpy()


def run_engine(engine, files, out, extra=()):
    command = ["dotnet", engine, "edit", "--original-tokens", files[0], "--edited-tokens", files[1],
               "--remove-mask", files[2], "--add-mask", files[3], "--out", out, "--threads", "1", "--json", *extra]
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"edit2audio failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--mask-size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of both (medians are reported)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--engine", default=DEFAULT_ENGINE, help="edit2audio.dll of a Release build or publish")
    parser.add_argument("--cpu", type=int, default=None, help="core to pin both to (default: the first this process may use)")
    parser.add_argument("--work", default=None, help="folder for the generated arrays (default: a temporary folder)")
    args = parser.parse_args()

    if not os.path.exists(args.engine):
        sys.exit(f"{args.engine} not found: build it first (dotnet build -c Release src/EditToAudio.Cli)")
    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # PyTorch here and the engine's process (inherited): one core
    torch.set_num_threads(1)

    if args.pairs < 2:
        sys.exit("--pairs must be at least 2 (the first half is run on its own as well)")
    if args.work:
        os.makedirs(args.work, exist_ok=True)
        compare(args, cpu, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="edit-compare-") as work:
            compare(args, cpu, work)


def compare(args, cpu, work):
    arrays = generate(args.pairs, args.mask_size, args.seed)
    files = [os.path.join(work, name) for name in ("t0.npy", "t1.npy", "m0.npy", "m1.npy")]
    half = args.pairs // 2
    half_files = [os.path.join(work, f"half_{name}") for name in ("t0.npy", "t1.npy", "m0.npy", "m1.npy")]
    for path, half_path, array in zip(files, half_files, arrays):
        np.save(path, array)
        np.save(half_path, array[:half])
    tensors = [torch.from_numpy(a) for a in arrays]
    coverage = arrays[2].mean(axis=(1, 2))
    print(f"{args.pairs} pairs, tokens [257, 768] float32, masks {args.mask_size}x{args.mask_size} bool "
          f"covering {coverage.min():.0%}-{coverage.max():.0%}; core {cpu}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread; arrays in {work}")

    out = os.path.join(work, "E.npy")
    run_pytorch(*[t[:8] for t in tensors])  # warm-up
    rows = {name: [] for name in ("pytorch", "pytorch cpu", "edit", "inside", "process", "process cpu", "per pair")}
    for r in range(args.rounds):
        seconds, cpu, reference = run_pytorch(*tensors)
        wall, process_cpu, summary = run_engine(args.engine, files, out)
        half_summary = run_engine(args.engine, half_files, out)[2]
        # Per pair beyond the start-up both runs pay, scaled to the full batch like the other rows.
        per_pair = (summary["edit_seconds"] - half_summary["edit_seconds"]) / (args.pairs - half) * args.pairs
        for name, value in (("pytorch", seconds), ("pytorch cpu", cpu), ("edit", summary["edit_seconds"]),
                            ("inside", summary["seconds"]), ("process", wall), ("process cpu", process_cpu), ("per pair", per_pair)):
            rows[name].append(value)
        print(f"round {r + 1}: pytorch {seconds:.3f} s (cpu {cpu:.3f} s) | engine edit {summary['edit_seconds']:.4f} s "
              f"({half} pairs: {half_summary['edit_seconds']:.4f} s), read {summary['read_seconds']:.4f} s, "
              f"write {summary['write_seconds']:.4f} s, process {wall:.3f} s (cpu {process_cpu:.3f} s)")

    n = args.pairs
    median = {name: statistics.median(values) for name, values in rows.items()}
    # Each round's ratio against the PyTorch run just before it, then the median of those.
    ratio = {name: statistics.median(p / e for p, e in zip(rows["pytorch"], rows[name])) for name in ("edit", "inside", "process", "per pair")}
    ratio["process cpu"] = statistics.median(p / e for p, e in zip(rows["pytorch cpu"], rows["process cpu"]))
    print(f"pytorch edit:                 {n / median['pytorch']:9.0f} pairs/s (median {median['pytorch']:.3f} s, cpu {median['pytorch cpu']:.3f} s)")
    for name, label in (("per pair", "engine edit, after start-up"), ("edit", "engine edit alone"), ("inside", "engine read+edit+write"),
                        ("process", "engine whole process"), ("process cpu", "engine process cpu")):
        print(f"{label + ':':29} {n / median[name]:9.0f} pairs/s (median {median[name]:.4f} s)  {ratio[name]:6.1f}x pytorch's edit")

    # Agreement with the research method on the same arrays (float32 SVD on its side).
    parts = os.path.join(work, "parts")
    run_engine(args.engine, files, out, ["--parts", parts])
    engine = np.load(out)
    cosine = np.sum(engine * reference, axis=1) / (np.linalg.norm(engine, axis=1) * np.linalg.norm(reference, axis=1))
    weights = np.stack([research_edit.patch_weights(m).numpy().reshape(16, 16) for m in tensors[2]])
    differing = int(np.sum(np.load(os.path.join(parts, "remove_patch_weights.npy")) != weights))
    print(f"agreement: min cosine {cosine.min():.7f}, median {np.median(cosine):.8f}; "
          f"remove-mask patch weights differing: {differing} of {weights.size}")


if __name__ == "__main__":
    main()
