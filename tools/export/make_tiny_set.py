#!/usr/bin/env python3
"""Regenerates the real-architecture tiny model set that the engine's tests run (tests/fixtures/tiny-real).

The same export code as export_models.py, on small configurations of the upstream classes with
random weights (e2a_export/tiny.py). Needs the upstream sources importable (see README.md).
usage: make_tiny_set.py --ssv2a-config ssv2a.json [--out tests/fixtures/tiny-real] [--upstream-commits FILE]
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2a_export import driver, environment, tiny  # noqa: E402
from e2a_export.networks import ssv2a  # noqa: E402

# The sam2_encoder case alone would be 29 MB of float32 at the contract's fixed 1024² shape,
# beyond the fixture budget; the encoder is still exported, checked and run by the tests.
LEFT_OUT_CASES = ("sam2_encoder",)


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ssv2a-config", required=True, help="SSV2A's ssv2a.json (the tiny set shrinks its layer widths)")
    p.add_argument("--out", default=os.path.join(repo, "tests", "fixtures", "tiny-real"))
    p.add_argument("--upstream-commits", metavar="FILE", help="lines 'name commit' for upstream source trees that are not git checkouts")
    args = p.parse_args()
    environment.prepare(threads=2)
    import torch
    replace = os.path.isdir(args.out)
    target = args.out + ".new" if replace else args.out
    shutil.rmtree(target, ignore_errors=True)
    unconditional = torch.nn.functional.normalize(torch.randn(512, generator=torch.Generator().manual_seed(512)), dim=0).numpy()
    driver.export_set(target, tiny.families(ssv2a.read_config(args.ssv2a_config)), vae_scale_factor=0.5,
                      unconditional_embedding=unconditional, precision="fp32", random_weights=True,
                      description="Tiny real-architecture set: the upstream classes (SAM2.1, CLIP, SSV2A, AudioLDM, CLAP, HiFi-GAN) "
                                  "at small widths with RANDOM weights, every contract shape kept. For tests only.",
                      checkpoints={}, upstream_commits=driver.read_commits(args.upstream_commits), name="tiny-real")
    for key in LEFT_OUT_CASES:
        shutil.rmtree(os.path.join(target, "cases", key))
    if replace:
        shutil.rmtree(args.out)
        os.rename(target, args.out)
    print(f"Wrote the tiny set to {args.out}")


if __name__ == "__main__":
    main()
