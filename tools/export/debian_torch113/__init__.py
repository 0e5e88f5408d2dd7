"""Compatibility layer for Debian's python3-torch 1.13 with the upstream sources on PYTHONPATH.

The export tool is written for the standard environment: torch 2.x with the upstream packages
(sam2, clip, ssv2a, audioldm) and their pip requirements installed. Debian ships none of those
requirements, and its torch 1.13 lacks two things the upstream code uses. This package fills
exactly those gaps, and `e2a_export.environment` loads it only when torch is older than 2.0:

* polyfills: `F.scaled_dot_product_attention` (torch 2.0; SAM2 calls it) as softmax(QKᵀ·s)V, and
  `Tensor.tile` routed to `Tensor.repeat`, because torch 1.13's ONNX exporter has no symbolic for
  `aten::tile` (SAM2's Hiera tiles its window position embedding);
* functional stand-ins (`stand_ins/`): the few calls of einops, hydra, iopath and torchlibrosa that
  the exported networks make, appended to the END of sys.path so that an installed real package
  always wins;
* inert stand-ins (`inert.py`): modules that the upstream packages import at top level but the
  export never calls (transformers, timm, librosa, ...); touching one raises an error that names it.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

from . import inert

_STAND_INS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stand_ins")


def _scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """torch 2.0's F.scaled_dot_product_attention, as MatMul/Softmax (exports to ONNX opset 17)."""
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = torch.matmul(q * scale, k.transpose(-2, -1))
    if is_causal:
        keep = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool, device=q.device).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else scores + attn_mask
    weights = scores.softmax(dim=-1)
    if dropout_p > 0.0:
        weights = F.dropout(weights, p=dropout_p)
    return torch.matmul(weights, v)


def _tile(self, *dims):
    """Tensor.tile through Tensor.repeat (same result; repeat has an ONNX symbolic in torch 1.13)."""
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    dims = (1,) * (self.dim() - len(dims)) + tuple(dims)
    return self.repeat(*dims)


_installed = False


def install():
    """Installs the polyfills and makes the stand-ins importable. Idempotent."""
    global _installed
    if _installed:
        return
    if not hasattr(F, "scaled_dot_product_attention"):
        F.scaled_dot_product_attention = _scaled_dot_product_attention
    torch.Tensor.tile = _tile
    if _STAND_INS not in sys.path:
        sys.path.append(_STAND_INS)
    inert.register()
    _installed = True
