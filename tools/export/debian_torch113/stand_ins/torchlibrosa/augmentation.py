"""Stand-in for torchlibrosa.augmentation: SpecAugmentation only acts in training, which the export never does."""
import torch.nn as nn


class SpecAugmentation(nn.Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        if self.training:
            raise RuntimeError("torchlibrosa stand-in: SpecAugmentation is not implemented for training")
        return x
