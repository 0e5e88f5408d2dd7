"""Small configurations of the same upstream classes, for the real-architecture tiny set that the
engine's CI runs: random weights, internal widths and depths shrunk, every contract shape kept."""
import copy

import torch
from omegaconf import OmegaConf

from .networks import audioldm, clip, sam2, ssv2a

SAM2_TINY = {
    "_target_": "sam2.modeling.sam2_base.SAM2Base",
    "image_encoder": {
        "_target_": "sam2.modeling.backbones.image_encoder.ImageEncoder", "scalp": 1,
        "trunk": {"_target_": "sam2.modeling.backbones.hieradet.Hiera", "embed_dim": 8, "num_heads": 1, "stages": [1, 1, 2, 1],
                  "global_att_blocks": [3], "window_pos_embed_bkg_spatial_size": [7, 7], "window_spec": [8, 4, 16, 8]},
        "neck": {"_target_": "sam2.modeling.backbones.image_encoder.FpnNeck",
                 "position_encoding": {"_target_": "sam2.modeling.position_encoding.PositionEmbeddingSine", "num_pos_feats": 256,
                                       "normalize": True, "scale": None, "temperature": 10000},
                 "d_model": 256, "backbone_channel_list": [64, 32, 16, 8], "fpn_top_down_levels": [2, 3], "fpn_interp_model": "nearest"},
    },
    "memory_attention": {
        "_target_": "sam2.modeling.memory_attention.MemoryAttention", "d_model": 256, "pos_enc_at_input": True, "num_layers": 1,
        "layer": {"_target_": "sam2.modeling.memory_attention.MemoryAttentionLayer", "activation": "relu", "dim_feedforward": 16,
                  "dropout": 0.1, "pos_enc_at_attn": False, "d_model": 256, "pos_enc_at_cross_attn_keys": True,
                  "pos_enc_at_cross_attn_queries": False,
                  "self_attention": {"_target_": "sam2.modeling.sam.transformer.RoPEAttention", "rope_theta": 10000.0, "feat_sizes": [64, 64],
                                     "embedding_dim": 256, "num_heads": 1, "downsample_rate": 1, "dropout": 0.1},
                  "cross_attention": {"_target_": "sam2.modeling.sam.transformer.RoPEAttention", "rope_theta": 10000.0, "feat_sizes": [64, 64],
                                      "rope_k_repeat": True, "embedding_dim": 256, "num_heads": 1, "downsample_rate": 1, "dropout": 0.1,
                                      "kv_in_dim": 64}},
    },
    "memory_encoder": {
        "_target_": "sam2.modeling.memory_encoder.MemoryEncoder", "out_dim": 64,
        "position_encoding": {"_target_": "sam2.modeling.position_encoding.PositionEmbeddingSine", "num_pos_feats": 64,
                              "normalize": True, "scale": None, "temperature": 10000},
        "mask_downsampler": {"_target_": "sam2.modeling.memory_encoder.MaskDownSampler", "kernel_size": 3, "stride": 2, "padding": 1},
        "fuser": {"_target_": "sam2.modeling.memory_encoder.Fuser", "num_layers": 1,
                  "layer": {"_target_": "sam2.modeling.memory_encoder.CXBlock", "dim": 256, "kernel_size": 7, "padding": 3,
                            "layer_scale_init_value": 1e-6, "use_dwconv": True}},
    },
    # The image-predictor settings of sam2.1_hiera_l.yaml and build_sam2's postprocessing.
    "num_maskmem": 7, "image_size": 1024, "sigmoid_scale_for_mem_enc": 20.0, "sigmoid_bias_for_mem_enc": -10.0,
    "use_mask_input_as_output_without_sam": True, "directly_add_no_mem_embed": True, "no_obj_embed_spatial": True,
    "use_high_res_features_in_sam": True, "multimask_output_in_sam": True, "iou_prediction_use_sigmoid": True,
    "use_obj_ptrs_in_encoder": True, "add_tpos_enc_to_obj_ptrs": True, "proj_tpos_enc_in_obj_ptrs": True,
    "use_signed_tpos_enc_to_obj_ptrs": True, "only_obj_ptrs_in_the_past_for_eval": True, "pred_obj_scores": True,
    "pred_obj_scores_mlp": True, "fixed_no_obj_ptr": True, "multimask_output_for_tracking": True,
    "use_multimask_token_for_obj_ptr": True, "multimask_min_pt_num": 0, "multimask_max_pt_num": 1,
    "use_mlp_for_obj_ptr_proj": True, "compile_image_encoder": False,
    "sam_mask_decoder_extra_args": {"dynamic_multimask_via_stability": True, "dynamic_multimask_stability_delta": 0.05,
                                    "dynamic_multimask_stability_thresh": 0.98},
}

CLIP_TINY = dict(embed_dim=768, image_resolution=224, vision_layers=1, vision_width=64, vision_patch_size=14,
                 context_length=2, vocab_size=2, transformer_width=8, transformer_heads=1, transformer_layers=1)

UNET_TINY = dict(model_channels=32, channel_mult=[1, 1], num_res_blocks=1, attention_resolutions=[2], num_head_channels=16)
VAE_TINY = dict(ch=32, ch_mult=[1, 1, 1], num_res_blocks=1)


def tiny_sam2(seed):
    from hydra.utils import instantiate
    from sam2.modeling.sam.mask_decoder import MaskDecoder
    from sam2.modeling.sam.transformer import TwoWayTransformer
    torch.manual_seed(seed)
    model = instantiate(OmegaConf.create(SAM2_TINY), _recursive_=True)
    # SAM2Base hard-codes its mask decoder's sizes; a smaller MaskDecoder of the same class and flags.
    model.sam_mask_decoder = MaskDecoder(
        num_multimask_outputs=3, transformer=TwoWayTransformer(depth=1, embedding_dim=256, mlp_dim=16, num_heads=8, attention_downsample_rate=8),
        transformer_dim=256, iou_head_depth=3, iou_head_hidden_dim=16, use_high_res_features=model.use_high_res_features_in_sam,
        iou_prediction_use_sigmoid=model.iou_prediction_use_sigmoid, pred_obj_scores=model.pred_obj_scores,
        pred_obj_scores_mlp=model.pred_obj_scores_mlp, use_multimask_token_for_obj_ptr=model.use_multimask_token_for_obj_ptr,
        **model.sam_mask_decoder_extra_args)
    return sam2.build(model=model, seed=seed)


def tiny_ssv2a_config(config):
    config = copy.deepcopy(config)
    config["manifold"]["layers"] = [32, 32, 48]
    config["generator"]["layers"] = [32, 32, 48]
    return config


def tiny_vocoder():
    import audioldm.hifigan as hifigan
    from audioldm.hifigan.utilities import HIFIGAN_16K_64
    vocoder = hifigan.Generator(hifigan.AttrDict(dict(HIFIGAN_16K_64, upsample_initial_channel=32)))
    vocoder.remove_weight_norm()
    return vocoder.eval()


def tiny_htsat(amodel="HTSAT-tiny"):
    import types
    from audioldm.clap.open_clip.htsat import HTSAT_Swin_Transformer
    cfg = audioldm.clap_model_config(amodel)["audio_cfg"]
    return HTSAT_Swin_Transformer(spec_size=256, patch_size=4, patch_stride=(4, 4), num_classes=8, embed_dim=8,
                                  depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1], window_size=8,
                                  config=types.SimpleNamespace(**dict(cfg, class_num=8, window_size=512)))


def families(ssv2a_config, seed=0, plain_softmax=True):
    """The nine networks at tiny sizes, one family at a time (as driver.families)."""
    config = audioldm.model_config()
    yield audioldm.unet_networks(audioldm.build_unet(config, unet_params=UNET_TINY, seed=seed), plain_softmax=plain_softmax)
    vae = audioldm.build_vae(config, ddconfig=VAE_TINY, vocoder=tiny_vocoder(), seed=seed)
    yield audioldm.vae_networks(vae) + audioldm.vocoder_networks(vae.vocoder)
    yield audioldm.clap_networks(audioldm.build_clap_audio(audio_branch=tiny_htsat(), embed_dim=64, seed=seed))
    manifold, generator = ssv2a.build(tiny_ssv2a_config(ssv2a_config), seed=seed)
    yield ssv2a.networks(manifold, generator)
    yield clip.networks(clip.build(hyperparameters=CLIP_TINY, seed=seed))
    yield sam2.networks(tiny_sam2(seed))
