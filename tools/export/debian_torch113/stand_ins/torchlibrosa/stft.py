"""Stand-in for torchlibrosa.stft (not in Debian): the Spectrogram and LogmelFilterBank that CLAP's
HTSAT front end builds, with torchlibrosa's parameter names (stft.conv_real.weight,
stft.conv_imag.weight, melW), shapes and arithmetic, so a real CLAP checkpoint loads strictly and
overwrites the tables computed here.

STFT: a strided Conv1d with the windowed DFT rows exp(-2πi·k·n/N)·hann_periodic(n), after reflect
padding of N/2 when centered. Mel: librosa.filters.mel(htk=False, norm="slaney"), built with
torchaudio.functional.melscale_fbanks(norm="slaney", mel_scale="slaney"), which follows librosa.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio


def _hann_periodic(length):
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length)


class STFT(nn.Module):
    def __init__(self, n_fft=2048, hop_length=None, win_length=None, window="hann", center=True,
                 pad_mode="reflect", freeze_parameters=True):
        super().__init__()
        if window != "hann":
            raise NotImplementedError(f"torchlibrosa stand-in: window {window!r} (only 'hann')")
        self.n_fft = n_fft
        self.win_length = win_length or n_fft
        self.hop_length = hop_length or self.win_length // 4
        self.center = center
        self.pad_mode = pad_mode
        left = (n_fft - self.win_length) // 2
        fft_window = np.pad(_hann_periodic(self.win_length), (left, n_fft - self.win_length - left))
        bins = n_fft // 2 + 1
        dft = np.exp(-2j * np.pi * np.outer(np.arange(bins), np.arange(n_fft)) / n_fft) * fft_window[None, :]
        self.conv_real = nn.Conv1d(1, bins, n_fft, stride=self.hop_length, bias=False)
        self.conv_imag = nn.Conv1d(1, bins, n_fft, stride=self.hop_length, bias=False)
        self.conv_real.weight.data = torch.tensor(np.real(dft), dtype=torch.float32)[:, None, :]
        self.conv_imag.weight.data = torch.tensor(np.imag(dft), dtype=torch.float32)[:, None, :]
        if freeze_parameters:
            for p in self.parameters():
                p.requires_grad = False

    def forward(self, x):
        x = x[:, None, :]
        if self.center:
            x = F.pad(x, pad=(self.n_fft // 2, self.n_fft // 2), mode=self.pad_mode)
        real = self.conv_real(x)[:, None, :, :].transpose(2, 3)
        imag = self.conv_imag(x)[:, None, :, :].transpose(2, 3)
        return real, imag  # (batch, 1, frames, bins)


class Spectrogram(nn.Module):
    def __init__(self, n_fft=2048, hop_length=None, win_length=None, window="hann", center=True,
                 pad_mode="reflect", power=2.0, freeze_parameters=True):
        super().__init__()
        self.power = power
        self.stft = STFT(n_fft, hop_length, win_length, window, center, pad_mode, freeze_parameters)

    def forward(self, x):
        real, imag = self.stft(x)
        spectrogram = real ** 2 + imag ** 2
        return spectrogram if self.power == 2.0 else spectrogram ** (self.power / 2.0)


class LogmelFilterBank(nn.Module):
    def __init__(self, sr=22050, n_fft=2048, n_mels=64, fmin=0.0, fmax=None, is_log=True, ref=1.0,
                 amin=1e-10, top_db=80.0, freeze_parameters=True):
        super().__init__()
        self.is_log = is_log
        self.ref = ref
        self.amin = amin
        self.top_db = top_db
        fmax = fmax or sr // 2
        mel = torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, float(fmin), float(fmax), n_mels, sr,
                                                   norm="slaney", mel_scale="slaney")
        self.melW = nn.Parameter(mel.float(), requires_grad=not freeze_parameters)

    def forward(self, x):
        mel = torch.matmul(x, self.melW)
        if not self.is_log:
            return mel
        db = 10.0 * torch.log10(torch.clamp(mel, min=self.amin, max=np.inf))
        db = db - 10.0 * math.log10(max(self.amin, self.ref))
        if self.top_db is not None:
            db = torch.clamp(db, min=db.max().item() - self.top_db, max=np.inf)
        return db
