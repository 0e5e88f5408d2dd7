#!/usr/bin/env python3
"""Times each network of a random-weight model set in ONNX Runtime (through the engine's session
options: the `network-time` command of bench/EditToAudio.Bench) against the upstream PyTorch module
it was exported from, alternating the two call by call in one sitting, and prints the medians and
their ratio.

The PyTorch modules are built exactly as `tools/export/export_models.py --random-weights` builds
them (its e2a_export package, same seeds), and each is first run on the set's verification case
(SET/cases/<network>/) to show that it holds the weights the ONNX file was exported with. AudioLDM's
UNet runs with its upstream attention (the research code as it is). Inputs are the engine's shapes in
one default research run (SAM2 one image and one point, CLIP both images, SSV2A one row, UNet 3
candidates × 2 for guidance at 10.24 s, VAE/vocoder/CLAP 3 candidates); the float inputs are drawn
here and handed to ONNX Runtime as .npy files, the UNet's timesteps are (137·i) mod 1000 on both sides.

Each side also reports its process CPU time per call. On a machine shared with other jobs the wall
times grow with their load (the ratio, taken in one sitting, does not); CPU seconds divided by the
threads estimate the call on otherwise idle cores. The last lines add up one default research run
(CALLS: the network calls `run` makes with the defaults) both ways, for each side.

Needs Debian's python3-torch (or torch 2.x with the upstream packages), the upstream sources on
PYTHONPATH as for the export tool, and a Release build of bench/EditToAudio.Bench.
usage: compare_networks.py SET [--network unet ...] [--rounds 5] [--threads 2] [--json FILE]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from alternate import TimingServer, alternate  # noqa: E402

# Network calls of one default research run (`run`: two images, 200 DDIM steps, guidance, 3 candidates), at the shapes below.
CALLS = {"sam2_encoder": 2, "sam2_decoder": 2, "clip_tokens": 1, "ssv2a_manifold": 1, "ssv2a_generator": 1, "unet": 200, "vae_decoder": 1, "vocoder": 1, "clap_audio": 1}
ORDER = ["sam2_encoder", "sam2_decoder", "clip_tokens", "ssv2a_manifold", "ssv2a_generator", "unet", "vae_decoder", "vocoder", "clap_audio"]
BENCH = os.path.join(REPO, "bench", "EditToAudio.Bench", "bin", "Release", "net10.0", "EditToAudio.Bench.dll")


def build(key, ssv2a_config):
    """The upstream module of `key` with export_models.py --random-weights' weights."""
    if key in ("sam2_encoder", "sam2_decoder"):
        from e2a_export.networks import sam2
        family = sam2.networks(sam2.build(None))
    elif key == "clip_tokens":
        from e2a_export.networks import clip
        family = clip.networks(clip.build(None))
    elif key in ("ssv2a_manifold", "ssv2a_generator"):
        from e2a_export.networks import ssv2a
        family = ssv2a.networks(*ssv2a.build(ssv2a.read_config(ssv2a_config), None))
    else:
        from e2a_export.networks import audioldm
        config = audioldm.model_config()
        if key == "unet":
            family = audioldm.unet_networks(audioldm.build_unet(config), plain_softmax=False)
        elif key in ("vae_decoder", "vocoder"):
            vae = audioldm.build_vae(config)
            family = audioldm.vae_networks(vae) + audioldm.vocoder_networks(vae.vocoder)
        else:
            amodel = config["cond_stage_config"]["params"].get("amodel", "HTSAT-tiny")
            family = audioldm.clap_networks(audioldm.build_clap_audio(None, amodel=amodel))
    return next(n for n in family if n.key == key)


def same_weights(network, case_folder):
    """Largest |PyTorch − saved case output| on the set's case: about 0 when the weights are the exported ones."""
    import numpy as np
    import torch
    from e2a_export import contracts
    inputs = [torch.from_numpy(np.load(os.path.join(case_folder, name + ".npy"))) for name in contracts.input_names(network.key)]
    inputs = [t.float() if t.is_floating_point() else t for t in inputs]
    outputs = network.module(*inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    worst = 0.0
    for name, tensor in zip(contracts.output_names(network.key), outputs):
        saved = torch.from_numpy(np.load(os.path.join(case_folder, name + ".npy")))
        worst = max(worst, float((tensor - saved).abs().max() / saved.abs().max().clamp_min(1e-30)))
    return worst


def declared_samples(model_set):
    """The clap_audio input length the set's file declares (the engine fits every clip to it), else 10.24 s."""
    import onnx
    with open(os.path.join(model_set, "models.json")) as f:
        path = os.path.join(model_set, json.load(f)["networks"]["clap_audio"])
    size = onnx.load(path, load_external_data=False).graph.input[0].type.tensor_type.shape.dim[-1].dim_value
    return size or 163840


def research_inputs(key, clap_samples, generator):
    """The shapes of one default research run, as the engine feeds them."""
    import torch
    from collections import OrderedDict
    uniform = lambda *shape: torch.rand(*shape, generator=generator) * 2 - 1  # noqa: E731
    if key == "sam2_encoder":
        return OrderedDict(image=uniform(1, 3, 1024, 1024)), {}
    if key == "sam2_decoder":
        return OrderedDict(image_embed=uniform(1, 256, 64, 64), high_res_feats_0=uniform(1, 32, 256, 256), high_res_feats_1=uniform(1, 64, 128, 128),
                           point_coords=torch.rand(1, 1, 2, generator=generator) * 1024, point_labels=torch.ones(1, 1),
                           mask_input=torch.zeros(1, 1, 256, 256), has_mask_input=torch.zeros(1)), {}
    if key == "clip_tokens":
        return OrderedDict(pixel_values=uniform(2, 3, 224, 224)), {}
    if key == "ssv2a_manifold":
        return OrderedDict(clip=uniform(1, 768)), {}
    if key == "ssv2a_generator":
        return OrderedDict(x=uniform(1, 768)), {}
    if key == "unet":
        n = 6
        return OrderedDict(sample=uniform(n, 8, 256, 16), timestep=torch.arange(n, dtype=torch.int64) * 137 % 1000, y=uniform(n, 512)), {"N": n}
    if key == "vae_decoder":
        return OrderedDict(latent=uniform(3, 8, 256, 16)), {}
    if key == "vocoder":
        return OrderedDict(mel=uniform(3, 64, 1024) - 4), {}
    if key == "clap_audio":
        return OrderedDict(wave=0.1 * uniform(3, clap_samples)), {}
    raise ValueError(key)


def compare(key, args, results):
    import numpy as np
    import torch
    network = build(key, args.ssv2a_config)
    module = network.module.eval()
    case = os.path.join(args.set, "cases", key)
    check = same_weights(network, case) if os.path.isdir(case) else None
    inputs, sizes = research_inputs(key, declared_samples(args.set) if key == "clap_audio" else 0, torch.Generator().manual_seed(20240601))
    with tempfile.TemporaryDirectory() as folder:
        for name, tensor in inputs.items():
            if tensor.is_floating_point():
                np.save(os.path.join(folder, name + ".npy"), tensor.numpy().astype(np.float32))
        command = ["dotnet", args.bench, "network-time", args.set, key, "--inputs", folder, "--threads", str(args.threads), "--serve"]
        command += [f"{symbol}={size}" for symbol, size in sizes.items()]
        server = TimingServer(command)
        try:
            def torch_call():
                cpu, start = time.process_time(), time.perf_counter()
                module(*inputs.values())
                return time.perf_counter() - start, time.process_time() - cpu

            torch_call()  # warm-up (network-time warmed itself up)
            onnx_times, torch_times = alternate(server.call, torch_call, args.rounds, lambda r, o, t: print(
                f"  {key} round {r + 1}: ONNX Runtime {o[0]:.3f} s (CPU {o[1]:.3f} s), PyTorch {t[0]:.3f} s (CPU {t[1]:.3f} s)", flush=True))
        finally:
            server.close()
    o, t = statistics.median(w for w, _ in onnx_times), statistics.median(w for w, _ in torch_times)
    shapes = ", ".join(f"{name} {list(tensor.shape)}" for name, tensor in inputs.items())
    row = {"network": key, "inputs": shapes, "onnx_runtime_s": o, "pytorch_s": t, "speedup": t / o, "rounds": args.rounds,
           "onnx_runtime_cpu_s": statistics.median(c for _, c in onnx_times), "pytorch_cpu_s": statistics.median(c for _, c in torch_times),
           "onnx_runtime_all_s": onnx_times, "pytorch_all_s": torch_times, "case_max_relative_difference": check}
    results.append(row)
    print(f"{key}: ONNX Runtime {o:.3f} s, PyTorch {t:.3f} s (medians of {args.rounds}), PyTorch / ONNX Runtime = {t / o:.2f}x"
          + ("" if check is None else f"; PyTorch vs the set's case: max relative difference {check:.1e}"), flush=True)
    del module, network


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("set", help="model set exported with export_models.py --random-weights")
    p.add_argument("--network", action="append", choices=ORDER, help="networks to compare (default: all)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2, help="threads for both (ONNX Runtime intra-op, torch.set_num_threads)")
    p.add_argument("--ssv2a-config", default=None, help="SSV2A's ssv2a.json (needed for the SSV2A networks)")
    p.add_argument("--bench", default=BENCH, help="EditToAudio.Bench.dll (Release build)")
    p.add_argument("--export-tool", default=os.path.join(REPO, "tools", "export"), help="the export tool's folder (its e2a_export package builds the modules)")
    p.add_argument("--json", help="also write the rows as JSON")
    args = p.parse_args()
    sys.path.insert(0, args.export_tool)
    from e2a_export import environment
    environment.prepare(args.threads)
    import torch
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; ONNX Runtime through {os.path.relpath(args.bench, REPO)}", flush=True)
    results = []
    for key in args.network or ORDER:
        if key.startswith("ssv2a") and not args.ssv2a_config:
            print(f"{key}: skipped (give --ssv2a-config)", flush=True)
            continue
        compare(key, args, results)
    print("\n| network | inputs | calls per run | ONNX Runtime | PyTorch | PyTorch / ONNX Runtime | CPU: ONNX Runtime | CPU: PyTorch |\n|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['network']} | {r['inputs']} | {CALLS[r['network']]} | {r['onnx_runtime_s']:.3f} s | {r['pytorch_s']:.3f} s | {r['speedup']:.2f}× "
              f"| {r['onnx_runtime_cpu_s']:.3f} s | {r['pytorch_cpu_s']:.3f} s |")
    if {r["network"] for r in results} == set(ORDER):
        for side, name in (("onnx_runtime", "ONNX Runtime"), ("pytorch", "PyTorch")):
            wall = sum(CALLS[r["network"]] * r[side + "_s"] for r in results)
            idle = sum(CALLS[r["network"]] * r[side + "_cpu_s"] for r in results) / args.threads
            print(f"one default research run, {name}: {wall / 60:.1f} min at this sitting's load, {idle / 60:.1f} min from CPU time / {args.threads} threads")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
