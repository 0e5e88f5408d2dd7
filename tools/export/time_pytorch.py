#!/usr/bin/env python3
"""Times an upstream network in PyTorch at the shapes `network-ab` (bench/EditToAudio.Bench) uses, for
docs/performance.md. Random weights built exactly as export_models.py --random-weights builds them.
usage: time_pytorch.py unet [--batch 6] [--length 256] [--rounds 3] [--threads 2] [--upstream-attention]"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2a_export import environment  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("network", choices=["unet"])
    p.add_argument("--batch", type=int, default=6)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--upstream-attention", action="store_true", help="keep AudioLDM's in-place half-batch softmax")
    args = p.parse_args()
    environment.prepare(args.threads)
    import torch
    from e2a_export.networks import audioldm
    from e2a_export.networks.attention import use_plain_softmax
    wrapper = audioldm.build_unet(audioldm.model_config("audioldm-s-full-v2"))
    if not args.upstream_attention:
        use_plain_softmax(wrapper)
    module = audioldm.UNetEps(wrapper).eval()
    g = torch.Generator().manual_seed(1234)
    sample = torch.rand(args.batch, 8, args.length, 16, generator=g) * 2 - 1
    timestep = torch.arange(args.batch, dtype=torch.int64) * 137 % 1000
    y = torch.rand(args.batch, 512, generator=g) * 2 - 1
    module(sample, timestep, y)  # warm-up
    times = []
    for round_ in range(args.rounds):
        start = time.time()
        module(sample, timestep, y)
        times.append(time.time() - start)
        print(f"round {round_ + 1}: {times[-1]:.3f} s", flush=True)
    print(f"PyTorch {torch.__version__} unet (N={args.batch}, T={args.length}, {args.threads} threads, "
          f"{'upstream' if args.upstream_attention else 'plain-softmax'} attention): median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
