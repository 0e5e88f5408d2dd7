"""The research method's edit in PyTorch, written from the design brief (section 2), as the speed
and agreement reference for the engine's `edit` command. Float32 throughout, as the research code
runs it: bilinear mask resize (align_corners=False, no aspect kept), 14x14 average pooling and
w >= 0.5; thin SVD of [CLS; selected patches] with the top k singular values scaled, reconstruction
and uniform weighted mean; background mean of the edited image's patches outside both masks;
normalized mix a*E_sup + b*E_boost + g*E_bg.
"""

import torch
import torch.nn.functional as F

CLIP_SIZE = 224
PATCH = 14


def patch_weights(mask: torch.Tensor) -> torch.Tensor:
    """A [H, W] 0/1 mask -> 256 binary weights of the 16x16 patch grid (row-major)."""
    resized = F.interpolate(mask[None, None].float(), size=(CLIP_SIZE, CLIP_SIZE), mode="bilinear", align_corners=False)
    pooled = F.avg_pool2d(resized, kernel_size=PATCH, stride=PATCH)
    return (pooled.reshape(-1) >= 0.5).float()


def svd_edit(tokens: torch.Tensor, weights: torch.Tensor, k: int, factor: float) -> torch.Tensor:
    """Scale the top-k singular values of X = [CLS; selected patches] and return the normalized weighted mean row."""
    selected = (weights > 0.5).nonzero(as_tuple=True)[0]
    if selected.numel() == 0:
        return torch.zeros(tokens.shape[1], dtype=torch.float32)
    x = torch.cat([tokens[:1], tokens[1:][selected]], dim=0).float()
    u, s, vh = torch.linalg.svd(x, full_matrices=False)
    scaled = s.clone()
    top = min(k, s.numel())
    scaled[:top] = s[:top] * factor
    edited = u @ torch.diag(scaled) @ vh
    row_weights = torch.ones(x.shape[0])
    row_weights[1:] = weights[selected]
    row_weights = row_weights / row_weights.sum()
    e = (edited * row_weights[:, None]).sum(dim=0)
    return e / e.norm()


def background(tokens: torch.Tensor, remove: torch.Tensor, add: torch.Tensor) -> torch.Tensor:
    """Normalized mean of the edited image's patch tokens outside both masks; zero when none is left."""
    outside = (1 - remove) * (1 - add)
    if outside.sum() == 0:
        return torch.zeros(tokens.shape[1], dtype=torch.float32)
    e = tokens[1:][outside > 0.5].mean(dim=0)
    return e / e.norm()


def edit(original, edited, remove_mask, add_mask, k=10, alpha=0.1, beta=2.0, mix=(0.2, 0.5, 0.3)) -> torch.Tensor:
    """The edited CLIP embedding of one pair: tokens [257, D], masks [H, W]."""
    remove = patch_weights(remove_mask)
    add = patch_weights(add_mask)
    suppressed = svd_edit(original, remove, k, alpha)
    boosted = svd_edit(edited, add, k, beta)
    e_bg = background(edited, remove, add)
    combined = mix[0] * suppressed + mix[1] * boosted + mix[2] * e_bg
    return combined / combined.norm()
