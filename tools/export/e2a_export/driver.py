"""The export_models.py command: checks its arguments before any heavy work, exports every network
to a temporary folder beside --out, and renames it to --out only when everything succeeded."""
import argparse
import gc
import os
import shutil
import sys
import time

import numpy as np
import torch

from . import cases, environment, manifest, onnx_export, weights
from .weights import CheckpointError


class UsageError(Exception):
    """An argument the export cannot use; the message names it."""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="export_models.py",
        description="Export the research pipeline's checkpoints to an edit2audio model set (ONNX + models.json + verification cases).")
    p.add_argument("--out", required=True, help="new folder for the model set (must not exist or be empty)")
    p.add_argument("--sam2", help="sam2.1_hiera_large.pt")
    p.add_argument("--sam2-config", default="configs/sam2.1/sam2.1_hiera_l.yaml", help="SAM2 config name inside the sam2 package (default: %(default)s)")
    p.add_argument("--clip", help="OpenAI ViT-L-14.pt")
    p.add_argument("--ssv2a", help="SSV2A ssv2a.pth (Pipeline.save's manifold/generator states)")
    p.add_argument("--ssv2a-config", required=True, help="SSV2A ssv2a.json")
    p.add_argument("--audioldm", help="audioldm-s-full-v2.ckpt")
    p.add_argument("--audioldm-model", default="audioldm-s-full-v2", help="AudioLDM variant whose configuration the checkpoint has (default: %(default)s)")
    p.add_argument("--unconditional-embedding", metavar="FILE.npy",
                   help="CLAP text embedding of the empty string (512 floats); required when the CLAP text branch (transformers + roberta-base) is unavailable")
    p.add_argument("--labels", help="comma-separated label texts whose CLAP text embeddings go into labels.npy (needs the CLAP text branch)")
    p.add_argument("--fp16", action="store_true", help="float16 weights and arithmetic for GPU sets; inputs and outputs stay float32")
    p.add_argument("--random-weights", action="store_true",
                   help="no checkpoints: upstream architectures with random weights (all-zero tensors re-drawn), for checking the tool and the engine")
    p.add_argument("--upstream-attention", action="store_true",
                   help="export AudioLDM's attention as upstream writes it (in-place half-batch softmax, einsum) instead of the equal plain softmax + MatMul")
    p.add_argument("--upstream-commits", metavar="FILE", help="lines 'name commit' recording the upstream commits of source trees that are not git checkouts")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    return p.parse_args(argv)


def validate(args):
    """Every argument problem at once, before anything is loaded."""
    problems = []
    checkpoints = {"--sam2": args.sam2, "--clip": args.clip, "--ssv2a": args.ssv2a, "--audioldm": args.audioldm}
    if args.random_weights:
        given = [flag for flag, path in checkpoints.items() if path]
        if given:
            problems.append(f"--random-weights exports without checkpoints; remove {', '.join(given)}")
        if args.labels:
            problems.append("--labels needs the CLAP text branch of a real AudioLDM checkpoint, not --random-weights")
    else:
        missing = [flag for flag, path in checkpoints.items() if not path]
        if missing:
            problems.append(f"missing {', '.join(missing)} (or pass --random-weights to export without checkpoints)")
    for flag, path in list(checkpoints.items()) + [("--ssv2a-config", args.ssv2a_config), ("--unconditional-embedding", args.unconditional_embedding),
                                                   ("--upstream-commits", args.upstream_commits)]:
        if path and not os.path.isfile(path):
            problems.append(f"{flag} {path}: no such file")
    if os.path.exists(args.out) and (not os.path.isdir(args.out) or os.listdir(args.out)):
        problems.append(f"--out {args.out}: exists and is not an empty folder (choose a new one)")
    if args.labels is not None and not parse_labels(args.labels):
        problems.append("--labels: no label text given")
    if args.threads is not None and args.threads < 1:
        problems.append("--threads must be at least 1")
    if problems:
        raise UsageError("\n".join(problems))


def parse_labels(text):
    return [label.strip() for label in text.split(",") if label.strip()]


def read_embedding(path):
    try:
        values = np.load(path)
    except Exception as e:  # noqa: BLE001
        raise UsageError(f"--unconditional-embedding {path}: not a NumPy .npy file ({e})") from None
    if values.dtype.kind != "f" or values.size != 512 or values.squeeze().ndim != 1:
        raise UsageError(f"--unconditional-embedding {path}: expected 512 floats, found {values.dtype} {values.shape}")
    values = values.astype(np.float32).reshape(512)
    if not np.isfinite(values).all() or not values.any():
        raise UsageError(f"--unconditional-embedding {path}: the values must be finite and not all zero")
    return values


def read_commits(path):
    if not path:
        return {}
    commits = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                commits[parts[0].lower()] = parts[1]
    return commits


def log(message):
    print(message, flush=True)


def export_set(out, families, *, vae_scale_factor, unconditional_embedding, precision, description, random_weights,
               checkpoints, upstream_commits=None, labels=None, name="exported"):
    """Exports every network the `families` generator yields (lists of ExportableNetwork, one family
    at a time, so only one family's weights are in memory) into a temporary folder, then renames it
    to `out`. Returns the manifest."""
    from . import fp16 as fp16_conversion
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    staging = os.path.join(parent, f".{os.path.basename(os.path.abspath(out))}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(os.path.join(staging, "cases"))
    files, report, cross_checks = {}, {}, {}
    started = time.time()
    try:
        for family in families:
            for network in family:
                path = os.path.join(staging, network.key + ".onnx")
                seconds, weight_count = onnx_export.export(network, path, log)
                if precision == "fp16":
                    fp16_conversion.convert_file(path, keep_float32=network.keep_float32)
                outputs = cases.compute(network)
                case_bytes = cases.write(os.path.join(staging, "cases"), network, outputs)
                files[network.key] = network.key + ".onnx"
                report[network.key] = {"weights": weight_count, "bytes": os.path.getsize(path),
                                       "export_seconds": round(seconds, 1), "case_bytes": case_bytes}
                for check, value in network.cross_checks.items():
                    log(f"    cross-check {check}: max |difference| {value:.2e}")
                    cross_checks[check] = value
            del family
            gc.collect()
        provenance = {
            "tool": "tools/export/export_models.py",
            "weights": "random (all-zero tensors re-drawn)" if random_weights else "checkpoints",
            "checkpoints": checkpoints,
            "environment": environment.describe(),
            "networks": report,
            "cross_checks": cross_checks,
            "export_seconds": round(time.time() - started, 1),
        }
        for package, commit in (upstream_commits or {}).items():
            provenance["environment"]["upstream"].setdefault(package, {}).setdefault("commit", commit)
        label_entry = None
        if labels is not None:
            names, table = labels
            np.save(os.path.join(staging, "labels.npy"), table.astype(np.float32))
            label_entry = {"file": "labels.npy", "names": names}
        result = manifest.build(name, description, random_weights, files, vae_scale_factor, unconditional_embedding, precision, provenance, label_entry)
        manifest.write(os.path.join(staging, "models.json"), result)
        if os.path.isdir(out):
            os.rmdir(out)  # validated empty
        os.rename(staging, out)
        return result
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def checkpoint_record(flag_paths):
    return {os.path.basename(path): {"option": flag, "sha256": weights.sha256(path)} for flag, path in flag_paths if path}


def families(args, audioldm_checkpoint):
    """The full-size networks, one upstream family at a time."""
    from .networks import audioldm, clip, sam2, ssv2a
    config = audioldm.model_config(args.audioldm_model)
    wrapper = audioldm.build_unet(config, audioldm_checkpoint)
    yield audioldm.unet_networks(wrapper, plain_softmax=not args.upstream_attention)
    del wrapper
    vae = audioldm.build_vae(config, audioldm_checkpoint)
    yield audioldm.vae_networks(vae) + audioldm.vocoder_networks(vae.vocoder)
    del vae
    amodel = config["cond_stage_config"]["params"].get("amodel", "HTSAT-tiny")
    clap = audioldm.build_clap_audio(audioldm_checkpoint, amodel=amodel)
    if audioldm_checkpoint:
        audioldm_checkpoint.release()
    yield audioldm.clap_networks(clap)
    del clap
    manifold, generator = ssv2a.build(ssv2a.read_config(args.ssv2a_config), args.ssv2a)
    yield ssv2a.networks(manifold, generator)
    del manifold, generator
    yield clip.networks(clip.build(args.clip))
    yield sam2.networks(sam2.build(args.sam2, config=args.sam2_config))


def main(argv=None):
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        validate(args)
        environment.prepare(args.threads)
        from .networks import audioldm
        checkpoint = audioldm.Checkpoint(args.audioldm) if args.audioldm else None
        scale = checkpoint.scale_factor() if checkpoint else 1.0
        labels = None
        embed = None
        if checkpoint and (args.labels or not args.unconditional_embedding):
            amodel = audioldm.model_config(args.audioldm_model)["cond_stage_config"]["params"].get("amodel", "HTSAT-tiny")
            try:
                embed = audioldm.text_embedder(checkpoint, amodel=amodel)
            except audioldm.TextBranchUnavailable as e:
                need = "--labels needs it" if args.labels else "pass --unconditional-embedding FILE.npy (the CLAP text embedding of \"\", 512 floats) computed where it is available"
                raise UsageError(f"The CLAP text branch is unavailable: {e}. The unconditional embedding and label embeddings are CLAP text embeddings; {need}.") from None
        if args.unconditional_embedding:
            unconditional = read_embedding(args.unconditional_embedding)
        elif embed is not None:
            unconditional = embed([""])[0].numpy()
        else:
            # --random-weights without a file: a fixed random unit vector stands in.
            unconditional = torch.nn.functional.normalize(torch.randn(512, generator=torch.Generator().manual_seed(512)), dim=0).numpy()
        if args.labels:
            names = parse_labels(args.labels)
            labels = (names, embed(names).numpy())
        embed = None  # the text branch is not needed any more
        flags = [("--sam2", args.sam2), ("--clip", args.clip), ("--ssv2a", args.ssv2a), ("--ssv2a-config", args.ssv2a_config),
                 ("--audioldm", args.audioldm), ("--unconditional-embedding", args.unconditional_embedding)]
        description = ("SAM2.1, CLIP ViT-L/14, SSV2A and AudioLDM exported from the upstream code"
                       + (" with RANDOM weights: for checking the tool and the engine only." if args.random_weights else " from the research checkpoints."))
        result = export_set(args.out, families(args, checkpoint), vae_scale_factor=scale, unconditional_embedding=unconditional,
                            precision="fp16" if args.fp16 else "fp32", description=description, random_weights=args.random_weights,
                            checkpoints=checkpoint_record(flags), upstream_commits=read_commits(args.upstream_commits), labels=labels,
                            name="upstream-random" if args.random_weights else "research")
        log(f"Wrote {len(result['networks'])} networks, models.json and cases to {args.out} in {result['provenance']['export_seconds']:.0f} s.")
        log(f"Check it with: edit2audio models check {args.out} && edit2audio models verify {args.out}")
        return 0
    except (UsageError, CheckpointError, cases.CaseError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
