"""OpenAI CLIP ViT-L/14 visual tower -> clip_tokens: ln_post and proj on all 257 tokens.

The tower runs as upstream (VisionTransformer.forward); a forward hook takes the transformer's
output, on which ln_post and proj are applied to every token, where upstream keeps only token 0.
Token 0 therefore equals encode_image (checked when the network is built)."""
from collections import OrderedDict

import torch
import torch.nn as nn

from ..network import ExportableNetwork, float16_grid, seeded
from ..weights import CheckpointError, redraw_zero_tensors

# ViT-L/14 as clip.model.build_model derives it from OpenAI's ViT-L-14.pt.
VIT_L14 = dict(embed_dim=768, image_resolution=224, vision_layers=24, vision_width=1024, vision_patch_size=14,
               context_length=77, vocab_size=49408, transformer_width=768, transformer_heads=12, transformer_layers=12)


class ClipAllTokens(nn.Module):
    def __init__(self, visual):
        super().__init__()
        self.visual = visual
        self._transformer_output = None
        visual.transformer.register_forward_hook(self._keep)

    def _keep(self, module, inputs, output):
        self._transformer_output = output

    def forward(self, pixel_values):
        self.visual(pixel_values)
        tokens = self._transformer_output.permute(1, 0, 2)  # LND -> NLD
        self._transformer_output = None
        return self.visual.ln_post(tokens) @ self.visual.proj


def build(checkpoint=None, hyperparameters=VIT_L14, seed=0):
    """CLIP from OpenAI's archive through clip.load (which rebuilds the model and loads it strictly),
    else random ViT-L/14 (or `hyperparameters`) with zero tensors re-drawn."""
    import clip
    from clip.model import CLIP
    if checkpoint:
        try:
            model, _ = clip.load(checkpoint, device="cpu", jit=False)
        except FileNotFoundError:
            raise CheckpointError(f"CLIP checkpoint {checkpoint}: no such file") from None
        except (RuntimeError, KeyError) as e:
            raise CheckpointError(f"CLIP checkpoint {checkpoint} does not load into clip.model.CLIP: {e}") from e
        visual = model.visual
        if visual.conv1.kernel_size != (14, 14) or visual.input_resolution != 224 or visual.output_dim != 768:
            raise CheckpointError(f"CLIP checkpoint {checkpoint} is not ViT-L/14 at 224 px (patch {visual.conv1.kernel_size}, "
                                  f"resolution {visual.input_resolution}, output {visual.output_dim})")
        return model.float().eval()
    torch.manual_seed(seed)
    model = CLIP(**hyperparameters)
    model.initialize_parameters()
    redraw_zero_tensors(model, seed)
    return model.eval()


def networks(model, seed=2):
    tokens = ClipAllTokens(model.visual).eval()
    g = seeded(seed)
    trace = float16_grid(torch.randn(1, 3, 224, 224, generator=g))
    case = float16_grid(torch.randn(2, 3, 224, 224, generator=g))
    check = float((tokens(case)[:, 0] - model.encode_image(case)).abs().max())
    return [ExportableNetwork("clip_tokens", tokens, OrderedDict(pixel_values=trace), OrderedDict(pixel_values=case),
                              cross_checks={"clip_tokens token 0 vs CLIP.encode_image": check})]
