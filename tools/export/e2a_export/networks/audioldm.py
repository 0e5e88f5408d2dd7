"""AudioLDM (audioldm-s-full*) -> unet, vae_decoder, vocoder and clap_audio, plus the set's
constants (vae_scale_factor, the unconditional embedding) and CLAP text embeddings of labels.

The checkpoint is {'state_dict': ...} with model.* (the UNet inside DiffusionWrapper),
model_ema.* (its EMA, which sampling swaps in through ema_scope), first_stage_model.* (the VAE,
holding the HiFi-GAN vocoder), cond_stage_model.* (CLAP) and scale_factor."""
import copy
import json
import os
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..network import ExportableNetwork, float16_grid, seeded
from ..weights import CheckpointError, load_strict, load_torch, redraw_zero_tensors, require_key, section
from .attention import use_plain_softmax

DEFAULT_MODEL = "audioldm-s-full"
WAVE_SAMPLES = 163840  # the clap_audio input: 10.24 s at 16 kHz, the engine's default clip
# Key present in published AudioLDM checkpoints that newer transformers no longer register
# (AudioLDM's build_model loads with strict=False because of it).
STALE_TEXT_KEYS = ("text_branch.embeddings.position_ids",)


class Checkpoint:
    """An AudioLDM checkpoint's state dict, read once."""

    def __init__(self, path):
        self.path = path
        self.state = require_key(load_torch(path, "AudioLDM"), "state_dict", path, "AudioLDM")

    def part(self, prefix, what):
        values = section(self.state, prefix)
        if not values:
            raise CheckpointError(f"AudioLDM checkpoint {self.path} has no {prefix}* entries ({what})")
        return values

    def scale_factor(self):
        return float(require_key(self.state, "scale_factor", self.path, "AudioLDM"))

    def release(self):
        """Drops the state dict (gigabytes) once every AudioLDM network has been built."""
        self.state = {}


def model_config(name=DEFAULT_MODEL):
    from audioldm.utils import default_audioldm_config
    return default_audioldm_config(name)["model"]["params"]


class UNetEps(nn.Module):
    """eps = DiffusionWrapper(x, t, c_film=[y]) as LatentDiffusion.apply_model calls it with a film condition."""

    def __init__(self, wrapper):
        super().__init__()
        self.wrapper = wrapper

    def forward(self, sample, timestep, y):
        return self.wrapper(sample, timestep, c_film=[y.unsqueeze(1)])


class VaeDecode(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent):
        return self.vae.decode(latent)


class Vocoder(nn.Module):
    """HiFi-GAN on [N, 64, F] mels. Its transposed convolutions give 160·F + 32 samples; AudioLDM
    cuts the waveform to the duration afterwards, and the contract wants exactly 160·F (= 640·T)."""

    def __init__(self, hifigan):
        super().__init__()
        self.hifigan = hifigan

    def forward(self, mel):
        return self.hifigan(mel).squeeze(1)[:, : mel.shape[-1] * 160]


class ClapAudio(nn.Module):
    """CLAPAudioEmbeddingClassifierFreev2's audio path for a batch: resample 16 -> 48 kHz (the same
    torchaudio call), the first 480 000 samples (upstream crops a random 10 s window), then
    CLAP.get_audio_embedding (HTSAT with its log-mel front end, audio_projection, L2)."""

    def __init__(self, clap):
        super().__init__()
        self.clap = clap
        self.samples = clap.audio_cfg.clip_samples

    def forward(self, wave):
        import torchaudio
        x = torchaudio.functional.resample(wave, orig_freq=16000, new_freq=self.clap.audio_cfg.sample_rate)[:, : self.samples]
        # get_audio_embedding stacks a list of per-clip dicts; the batch goes in as one dict here,
        # so the traced graph keeps a dynamic batch axis.
        embedding = self.clap.audio_projection(self.clap.encode_audio({"waveform": x}, device=x.device)["embedding"])
        return F.normalize(embedding, dim=-1)


def build_unet(config, checkpoint=None, unet_params=None, seed=0):
    """DiffusionWrapper + LitEma as DDPM builds them; with a checkpoint, model.* and model_ema.* load
    strictly and the EMA weights are copied in (what ema_scope does for sampling)."""
    from audioldm.latent_diffusion.ddpm import DiffusionWrapper
    from audioldm.latent_diffusion.ema import LitEma
    unet_config = copy.deepcopy(config["unet_config"])
    if unet_params:
        unet_config["params"].update(unet_params)
    torch.manual_seed(seed)
    wrapper = DiffusionWrapper(unet_config, config["conditioning_key"])
    if checkpoint:
        load_strict(wrapper, checkpoint.part("model.", "the UNet"), f"AudioLDM checkpoint {checkpoint.path} (model.*)")
        ema = LitEma(wrapper)
        load_strict(ema, checkpoint.part("model_ema.", "the EMA weights that sampling uses"), f"AudioLDM checkpoint {checkpoint.path} (model_ema.*)")
        ema.copy_to(wrapper)
    else:
        redraw_zero_tensors(wrapper, seed)
    # The transformer blocks run through a gradient-checkpointing autograd.Function when
    # checkpoint=True; the tracer cannot follow it ("unordered_map::at"). Inference is the same without.
    for module in wrapper.modules():
        for flag in ("checkpoint", "use_checkpoint"):
            if isinstance(getattr(module, flag, None), bool):
                setattr(module, flag, False)
    return wrapper.eval()


def build_vae(config, checkpoint=None, ddconfig=None, vocoder=None, seed=0):
    """AutoencoderKL (which holds the HiFi-GAN vocoder); first_stage_model.* loads strictly.
    `ddconfig` and `vocoder` replace the construction's sizes (tiny sets)."""
    from audioldm.variational_autoencoder.autoencoder import AutoencoderKL
    params = copy.deepcopy(config["first_stage_config"]["params"])
    if ddconfig:
        params["ddconfig"].update(ddconfig)
    torch.manual_seed(seed)
    vae = AutoencoderKL(ddconfig=params["ddconfig"], embed_dim=params["embed_dim"], image_key=params["image_key"],
                        subband=params["subband"], time_shuffle=params["time_shuffle"])
    if vocoder is not None:
        vae.vocoder = vocoder
    if checkpoint:
        load_strict(vae, checkpoint.part("first_stage_model.", "the VAE and vocoder"), f"AudioLDM checkpoint {checkpoint.path} (first_stage_model.*)")
    else:
        redraw_zero_tensors(vae, seed)
    return vae.eval()


def clap_model_config(amodel="HTSAT-tiny"):
    import audioldm.clap.open_clip as open_clip
    path = os.path.join(os.path.dirname(open_clip.__file__), "model_configs", f"{amodel}.json")
    with open(path) as f:
        return json.load(f)


def build_clap_audio(checkpoint=None, amodel="HTSAT-tiny", audio_branch=None, embed_dim=None, seed=0):
    """The CLAP model (open_clip.model.CLAP) with its HTSAT audio branch. The exported audio path does
    not touch the text branch, so a one-layer placeholder text transformer stands in for RoBERTa
    (which would need transformers); audio_branch.* and audio_projection.* load strictly from
    cond_stage_model.model.*. `audio_branch` and `embed_dim` replace HTSAT's sizes (tiny sets)."""
    from audioldm.clap.open_clip import htsat
    from audioldm.clap.open_clip.model import CLAP
    cfg = clap_model_config(amodel)
    torch.manual_seed(seed)
    placeholder_text = dict(context_length=1, vocab_size=1, width=8, heads=1, layers=1, model_type="transformer")
    clap = CLAP(embed_dim=embed_dim or cfg["embed_dim"], audio_cfg=cfg["audio_cfg"], text_cfg=placeholder_text)
    if audio_branch is not None:
        clap.audio_branch = audio_branch
    audio = nn.ModuleDict(dict(audio_branch=clap.audio_branch, audio_projection=clap.audio_projection))
    if checkpoint:
        state = {k: v for k, v in checkpoint.part("cond_stage_model.model.", "CLAP").items()
                 if k.startswith(("audio_branch.", "audio_projection."))}
        load_strict(audio, state, f"AudioLDM checkpoint {checkpoint.path} (cond_stage_model.model.audio_*)")
    else:
        redraw_zero_tensors(audio, seed)
    # HTSAT's window_reverse computes B = int(windows.shape[0] / ...): int() bakes the traced batch
    # size into the graph (exact at that batch, wrong at any other). Same arithmetic with B inferred.
    htsat.window_reverse = window_reverse_any_batch
    return clap.eval()


def window_reverse_any_batch(windows, window_size, H, W):
    x = windows.view(-1, H // window_size, W // window_size, window_size, window_size, windows.shape[-1])
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, H, W, windows.shape[-1])


def unet_networks(wrapper, plain_softmax=True, seed=4, trace_length=32, case_length=24):
    """The UNet with its trace (N=2) and case (N=3, another latent length) inputs. With
    plain_softmax, the attention drop-in is bound and checked equal to upstream on the case."""
    module = UNetEps(wrapper).eval()
    g = seeded(seed)

    def inputs(n, length, steps):
        return OrderedDict(sample=float16_grid(torch.randn(n, 8, length, 16, generator=g)),
                           timestep=torch.tensor(steps, dtype=torch.int64),
                           y=float16_grid(F.normalize(torch.randn(n, 512, generator=g), dim=-1)))

    trace, case = inputs(2, trace_length, [999, 17]), inputs(3, case_length, [0, 500, 999])
    checks = {}
    if plain_softmax:
        upstream = module(*case.values())
        layers = use_plain_softmax(wrapper)
        checks[f"unet plain-softmax attention ({layers} layers) vs upstream in-place softmax"] = float((module(*case.values()) - upstream).abs().max())
    return [ExportableNetwork("unet", module, trace, case, cross_checks=checks)]


def vae_networks(vae, seed=5, trace_length=32, case_length=24):
    g = seeded(seed)
    latent = lambda n, length: float16_grid(torch.randn(n, 8, length, 16, generator=g))  # noqa: E731
    return [ExportableNetwork("vae_decoder", VaeDecode(vae).eval(),
                              OrderedDict(latent=latent(1, trace_length)), OrderedDict(latent=latent(2, case_length)))]


def vocoder_networks(hifigan, seed=6, trace_length=32, case_length=24):
    g = seeded(seed)
    mel = lambda n, length: float16_grid(torch.randn(n, 64, 4 * length, generator=g) - 4)  # noqa: E731
    return [ExportableNetwork("vocoder", Vocoder(hifigan).eval(),
                              OrderedDict(mel=mel(1, trace_length)), OrderedDict(mel=mel(2, case_length)))]


def clap_networks(clap, seed=7):
    """clap_audio with a fixed input of WAVE_SAMPLES (the engine repeat-pads or crops clips to the
    declared length), cross-checked against CLAP.get_audio_embedding on a clip of exactly 10 s at
    48 kHz, where upstream neither pads nor crops."""
    module = ClapAudio(clap).eval()
    g = seeded(seed)
    wave = lambda n: float16_grid(0.1 * torch.randn(n, WAVE_SAMPLES, generator=g))  # noqa: E731
    exact = 0.1 * torch.randn(2, clap.audio_cfg.clip_samples, generator=g)
    upstream = clap.get_audio_embedding([{"waveform": row} for row in exact])
    ours = F.normalize(clap.audio_projection(clap.encode_audio({"waveform": exact}, device="cpu")["embedding"]), dim=-1)
    return [ExportableNetwork("clap_audio", module, OrderedDict(wave=wave(1)), OrderedDict(wave=wave(2)),
                              fixed={"S": WAVE_SAMPLES},
                              cross_checks={"clap_audio batched path vs CLAP.get_audio_embedding": float((ours - upstream).abs().max())},
                              keep_float32=clap_front_end)]


def clap_front_end(node_name):
    """The resampling and the log-mel front end stay float32 in an fp16 set: a full-scale clip's power
    spectrum exceeds float16's range (65504) before the log."""
    return not node_name.startswith(("/audio_branch/", "/audio_projection/")) or node_name.startswith(
        ("/audio_branch/spectrogram_extractor/", "/audio_branch/logmel_extractor/"))


class TextBranchUnavailable(Exception):
    """The CLAP text branch cannot be built here; the message says why and what to pass instead."""


def text_embedder(checkpoint, amodel="HTSAT-tiny"):
    """A function texts -> L2-normalized CLAP text embeddings [len, 512] computed with the
    checkpoint's own text branch, built as LatentDiffusion builds it
    (CLAPAudioEmbeddingClassifierFreev2: RoBERTa from transformers, the roberta-base tokenizer and
    config from the Hugging Face cache, as AudioLDM itself needs them). Raises TextBranchUnavailable."""
    try:
        import transformers
    except ImportError as e:
        raise TextBranchUnavailable(f"the transformers package is not installed ({e})") from None
    if getattr(transformers, "__stand_in__", False):
        raise TextBranchUnavailable("the transformers package is not installed (only an inert stand-in is)")
    try:
        # Importing the module already loads the roberta-base tokenizer (audioldm.clap.training.data).
        from audioldm.clap.encoders import CLAPAudioEmbeddingClassifierFreev2
        conditioner = CLAPAudioEmbeddingClassifierFreev2(key="waveform", sampling_rate=16000, embed_mode="text",
                                                         amodel=amodel, unconditional_prob=0.0)
    except OSError as e:
        raise TextBranchUnavailable(f"the roberta-base tokenizer and model files are not available ({e})") from None
    load_strict(conditioner, checkpoint.part("cond_stage_model.", "CLAP"), f"AudioLDM checkpoint {checkpoint.path} (cond_stage_model.*)",
                ignore_unexpected=tuple("model." + k for k in STALE_TEXT_KEYS))
    conditioner.eval()

    def embed(texts):
        texts = list(texts)
        # The tokenizer wrapper squeezes the batch axis, so upstream always passes at least two
        # texts (get_unconditional_condition tokenizes ["", ""]); pad a single text the same way.
        padded = texts + texts[:1] if len(texts) == 1 else texts
        return conditioner.model.get_text_embedding(conditioner.tokenizer(padded))[: len(texts)]

    return embed
