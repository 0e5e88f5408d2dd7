"""SAM2.1 -> sam2_encoder and sam2_decoder, computing what SAM2ImagePredictor computes.

Encoder: the image path of SAM2ImagePredictor.set_image after its transforms (forward_image,
_prepare_backbone_features, + no_mem_embed, features reshaped to maps). Decoder: the prompt
encoder (points with SAM's padding point, the mask input blended by has_mask_input) and
MaskDecoder.predict_masks, returning all 4 mask tokens (0 = single-mask output, 1..3 multimask)
so the engine can apply SAM2's own selection (see models/README.md)."""
from collections import OrderedDict

import torch
import torch.nn as nn

from ..network import ExportableNetwork, float16_grid, seeded
from ..weights import load_strict, load_torch, redraw_zero_tensors, require_key

DEFAULT_CONFIG = "configs/sam2.1/sam2.1_hiera_l.yaml"
FEATURE_SIZES = ((256, 256), (128, 128), (64, 64))


class Sam2ImageEncoder(nn.Module):
    def __init__(self, sam):
        super().__init__()
        self.sam = sam

    def forward(self, image):
        backbone = self.sam.forward_image(image)
        _, features, _, _ = self.sam._prepare_backbone_features(backbone)
        if self.sam.directly_add_no_mem_embed:
            features[-1] = features[-1] + self.sam.no_mem_embed
        maps = [f.permute(1, 2, 0).reshape(1, -1, *size) for f, size in zip(features[::-1], FEATURE_SIZES[::-1])][::-1]
        return maps[2], maps[0], maps[1]


class Sam2PromptDecoder(nn.Module):
    def __init__(self, sam):
        super().__init__()
        self.prompt_encoder = sam.sam_prompt_encoder
        self.mask_decoder = sam.sam_mask_decoder

    def forward(self, image_embed, high_res_feats_0, high_res_feats_1, point_coords, point_labels, mask_input, has_mask_input):
        sparse = self.prompt_encoder._embed_points(point_coords, point_labels, pad=True)
        # PromptEncoder.forward uses mask_downscaling(mask) with a mask and no_mask_embed without one;
        # has_mask_input picks per prompt, so one graph serves both.
        chosen = has_mask_input.reshape(-1, 1, 1, 1)
        no_mask = self.prompt_encoder.no_mask_embed.weight.reshape(1, -1, 1, 1)
        dense = chosen * self.prompt_encoder._embed_masks(mask_input) + (1 - chosen) * no_mask
        masks, iou, _, _ = self.mask_decoder.predict_masks(
            image_embeddings=image_embed.expand(point_coords.shape[0], -1, -1, -1),
            image_pe=self.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            repeat_image=False,
            high_res_features=[high_res_feats_0, high_res_feats_1])
        return masks, iou


def build(checkpoint=None, config=DEFAULT_CONFIG, model=None, seed=0):
    """SAM2Base from `config` (a config name inside the sam2 package, as build_sam2 takes it) with
    SAM2's image-predictor postprocessing; weights from `checkpoint` ({'model': state_dict}) loaded
    strictly, else random with zero tensors re-drawn. `model` replaces the construction (tiny sets)."""
    if model is None:
        from sam2.build_sam import build_sam2
        torch.manual_seed(seed)
        model = build_sam2(config, ckpt_path=None, device="cpu", mode="eval")
    if checkpoint:
        state = require_key(load_torch(checkpoint, "SAM2"), "model", checkpoint, "SAM2")
        load_strict(model, state, f"SAM2 checkpoint {checkpoint}")
    else:
        redraw_zero_tensors(model, seed)
    return model.eval()


def networks(sam, seed=1):
    """The encoder and decoder wrappers with their trace and case inputs, cross-checked against
    SAM2ImagePredictor._predict (multimask output and the dynamic single-mask fallback)."""
    encoder, decoder = Sam2ImageEncoder(sam).eval(), Sam2PromptDecoder(sam).eval()
    g = seeded(seed)
    image = lambda: float16_grid(torch.randn(1, 3, 1024, 1024, generator=g))  # noqa: E731
    trace_image, case_image = image(), image()
    embed, feats0, feats1 = encoder(trace_image)

    def prompts(count, points, has_mask):
        coords = float16_grid(torch.rand(count, points, 2, generator=g) * 1024)
        labels = (torch.rand(count, points, generator=g) > 0.3).float()
        labels[:, 0] = 1.0
        return OrderedDict(
            image_embed=float16_grid(embed), high_res_feats_0=float16_grid(feats0), high_res_feats_1=float16_grid(feats1),
            point_coords=coords, point_labels=labels,
            mask_input=float16_grid(torch.randn(count, 1, 256, 256, generator=g)),
            has_mask_input=torch.tensor(has_mask, dtype=torch.float32))

    decoder_trace, decoder_case = prompts(1, 3, [0.0]), prompts(2, 2, [1.0, 0.0])
    checks = _cross_check(sam, decoder, decoder_case)
    return [
        ExportableNetwork("sam2_encoder", encoder, OrderedDict(image=trace_image), OrderedDict(image=case_image)),
        ExportableNetwork("sam2_decoder", decoder, decoder_trace, decoder_case, fixed={"M": 4}, cross_checks=checks),
    ]


def _cross_check(sam, decoder, case):
    """Max |difference| between the decoder's mask tokens and SAM2ImagePredictor._predict on the
    prompts of `case` without a mask input (the predictor's own path)."""
    from sam2.sam2_image_predictor import SAM2ImagePredictor
    predictor = SAM2ImagePredictor(sam)
    predictor._features = {"image_embed": case["image_embed"], "high_res_feats": [case["high_res_feats_0"], case["high_res_feats_1"]]}
    predictor._is_image_set = True
    predictor._orig_hw = [(256, 256)]  # low-res logits are returned as they are at 256²
    no_mask = OrderedDict(case, has_mask_input=torch.zeros_like(case["has_mask_input"]))
    masks, iou = decoder(*no_mask.values())
    _, multi_iou, multi_logits = predictor._predict(case["point_coords"], case["point_labels"].int(), multimask_output=True, return_logits=True)
    _, _, single_logits = predictor._predict(case["point_coords"], case["point_labels"].int(), multimask_output=False, return_logits=True)
    # SAM2's single-mask rule on the 4 tokens: token 0 unless unstable, then the best multimask token.
    token0 = masks[:, 0]
    stability = (token0 > 0.05).flatten(1).sum(1).float() / (token0 > -0.05).flatten(1).sum(1).clamp(min=1).float()
    best = iou[:, 1:].argmax(1) + 1
    chosen = torch.where(stability >= 0.98, torch.zeros_like(best), best)
    single = masks[torch.arange(masks.shape[0]), chosen]
    return {
        "sam2_decoder masks 1..3 vs SAM2ImagePredictor multimask": float((multi_logits - masks[:, 1:].clamp(-32, 32)).abs().max()),
        "sam2_decoder iou 1..3 vs SAM2ImagePredictor multimask": float((multi_iou - iou[:, 1:]).abs().max()),
        "sam2_decoder single-mask rule vs SAM2ImagePredictor single": float((single_logits[:, 0] - single.clamp(-32, 32)).abs().max()),
    }
