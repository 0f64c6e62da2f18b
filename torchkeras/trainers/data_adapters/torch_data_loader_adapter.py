"""Batches from a `torch.utils.data.DataLoader` (or a map-style `Dataset`, batched here)."""
import torch

from torchkeras.backend.device import get_device
from torchkeras.trainers.data_adapters.generator_data_adapter import batch_to_device


class TorchDataLoaderAdapter:
    def __init__(self, loader, batch_size=None, shuffle=False, device=None):
        self.device = torch.device(device) if device is not None else get_device()
        if isinstance(loader, torch.utils.data.Dataset) and not isinstance(loader, torch.utils.data.IterableDataset):
            pin = self.device.type == "cuda"
            loader = torch.utils.data.DataLoader(loader, batch_size=batch_size or 32,
                                                 shuffle=bool(shuffle), pin_memory=pin)
        elif isinstance(loader, torch.utils.data.IterableDataset):
            loader = torch.utils.data.DataLoader(loader, batch_size=batch_size or 32)
        self.loader = loader
        self.batch_size = getattr(loader, "batch_size", None)
        try:
            self.num_batches = len(loader)
        except TypeError:
            self.num_batches = None

    def get_iterator(self):
        for batch in self.loader:
            yield batch_to_device(batch, self.device)

    def on_epoch_end(self):
        sampler = getattr(self.loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            self._epoch = getattr(self, "_epoch", 0) + 1
            sampler.set_epoch(self._epoch)
