"""SSV2A -> ssv2a_manifold (Manifold.clip_encoder) and ssv2a_generator (Generator), each returning
(mu, log sigma²) as the pipeline's sample_normal uses them (a draw is mu + eps·exp(log_sigma / 2))."""
import copy
import json
from collections import OrderedDict

import torch
import torch.nn as nn

from ..network import ExportableNetwork, float16_grid, seeded
from ..weights import CheckpointError, load_strict, load_torch, redraw_zero_tensors, require_key


class MeanAndLogVariance(nn.Module):
    """ManifoldEncoder/Generator.forward return (mu, log_sigma, router loss); the contract keeps the first two."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, x):
        mu, log_sigma, _ = self.encoder(x)
        return mu, log_sigma


def read_config(path):
    try:
        with open(path) as f:
            config = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"SSV2A config {path}: no such file") from None
    except json.JSONDecodeError as e:
        raise CheckpointError(f"SSV2A config {path}: not valid JSON ({e})") from e
    for key in ("clip_dim", "clap_dim", "manifold_dim", "manifold", "generator"):
        if key not in config:
            raise CheckpointError(f"SSV2A config {path}: '{key}' is missing")
    return config


def build(config, checkpoint=None, seed=0):
    """Manifold and Generator from SSV2A's config dict; weights from Pipeline.save()'s dict
    ('manifold_state', 'generator_state') loaded strictly, else random with zero tensors re-drawn."""
    from ssv2a.model.generator import Generator
    from ssv2a.model.manifold import Manifold
    torch.manual_seed(seed)
    settings = dict(copy.deepcopy(config), device="cpu")
    manifold, generator = Manifold(**copy.deepcopy(settings)), Generator(**copy.deepcopy(settings))
    if checkpoint:
        state = load_torch(checkpoint, "SSV2A")
        load_strict(manifold, require_key(state, "manifold_state", checkpoint, "SSV2A"), f"SSV2A checkpoint {checkpoint} (manifold_state)")
        generator_state = require_key(state, "generator_state", checkpoint, "SSV2A")
        if generator_state is None:
            raise CheckpointError(f"SSV2A checkpoint {checkpoint} was saved without a generator (generator_state is None)")
        load_strict(generator, generator_state, f"SSV2A checkpoint {checkpoint} (generator_state)")
    else:
        redraw_zero_tensors(manifold, seed)
        redraw_zero_tensors(generator, seed + 1)
    if not (manifold.variational and generator.variational):
        raise CheckpointError("SSV2A config: manifold and generator must be variational (the engine samples mu + eps·exp(log_sigma / 2))")
    return manifold.eval(), generator.eval()


def networks(manifold, generator, seed=3):
    from ssv2a.model.modules import sample_normal
    g = seeded(seed)
    draw = lambda n, width: float16_grid(torch.nn.functional.normalize(torch.randn(n, width, generator=g), dim=-1))  # noqa: E731
    encoder, mapper = MeanAndLogVariance(manifold.clip_encoder).eval(), MeanAndLogVariance(generator).eval()
    case_clip, case_x = draw(5, 768), draw(5, 768)
    # fold_clips(var_samples=1) is mu + eps·exp(log_sigma / 2) with the same eps.
    mu, log_sigma = encoder(case_clip)
    torch.manual_seed(7)
    folded = manifold.fold_clips(case_clip, var_samples=1)
    torch.manual_seed(7)
    sampled = sample_normal(mu, log_sigma)
    return [
        ExportableNetwork("ssv2a_manifold", encoder, OrderedDict(clip=draw(2, 768)), OrderedDict(clip=case_clip),
                          cross_checks={"ssv2a_manifold sample vs Manifold.fold_clips": float((folded - sampled).abs().max())}),
        ExportableNetwork("ssv2a_generator", mapper, OrderedDict(x=draw(2, 768)), OrderedDict(x=case_x)),
    ]
