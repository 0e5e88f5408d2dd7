"""Checkpoint files and weights: hashing, strict loading that names every mismatch, and the
re-drawing of all-zero tensors that random-weight verification needs."""
import hashlib

import torch


class CheckpointError(Exception):
    """A checkpoint file cannot be used; the message names the file and what is wrong."""


def sha256(path, chunk=1 << 24):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def load_torch(path, what):
    """torch.load on the CPU, with an error naming the file when it is not a checkpoint."""
    try:
        return torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise CheckpointError(f"{what} checkpoint {path}: no such file") from None
    except Exception as e:  # noqa: BLE001 - any unpickling failure means the same to the user
        raise CheckpointError(f"{what} checkpoint {path}: cannot be read by torch.load ({type(e).__name__}: {e})") from e


def section(state_dict, prefix):
    """The entries under `prefix`, with the prefix removed."""
    return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}


def require_key(container, key, path, what):
    if not isinstance(container, dict) or key not in container:
        found = ", ".join(sorted(map(str, container))[:8]) if isinstance(container, dict) else type(container).__name__
        raise CheckpointError(f"{what} checkpoint {path}: expected a '{key}' entry, found {found}")
    return container[key]


def load_strict(module, state_dict, source, ignore_unexpected=()):
    """load_state_dict that fails naming every missing and unexpected key and every shape mismatch.

    `ignore_unexpected` lists keys known to be stale in published checkpoints (each is named in
    the docs); nothing else is tolerated."""
    own = module.state_dict()
    missing = sorted(k for k in own if k not in state_dict)
    unexpected = sorted(k for k in state_dict if k not in own and k not in ignore_unexpected)
    mismatched = sorted(f"{k} {tuple(state_dict[k].shape)} (model {tuple(own[k].shape)})"
                        for k in own if k in state_dict and tuple(state_dict[k].shape) != tuple(own[k].shape))
    if missing or unexpected or mismatched:
        parts = []
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", mismatched)):
            if keys:
                shown = ", ".join(keys[:20]) + (f", ... ({len(keys)} in all)" if len(keys) > 20 else "")
                parts.append(f"{label}: {shown}")
        raise CheckpointError(f"{source} does not match {type(module).__name__}: " + "; ".join(parts))
    module.load_state_dict({k: v for k, v in state_dict.items() if k in own}, strict=True)


def redraw_zero_tensors(module, seed):
    """Re-draws every all-zero floating-point parameter and buffer (zero-initialized output convs,
    position embeddings, biases): with them at zero, random-weight parity proves nothing (AudioLDM's
    UNet would return eps = 0 everywhere). Matrices get N(0, 1/fan_in), vectors N(0, 0.02²).
    BatchNorm statistics keep their meaning. Returns the number of tensors re-drawn."""
    generator = torch.Generator().manual_seed(seed)
    redrawn = 0
    for name, tensor in list(module.named_parameters()) + list(module.named_buffers()):
        if not tensor.is_floating_point() or tensor.numel() == 0 or bool(tensor.any()):
            continue
        if name.endswith(("running_mean", "running_var")):
            continue
        with torch.no_grad():
            if tensor.dim() >= 2:
                tensor.copy_(torch.randn(tensor.shape, generator=generator) / tensor[0].numel() ** 0.5)
            else:
                tensor.copy_(0.02 * torch.randn(tensor.shape, generator=generator))
        redrawn += 1
    return redrawn
