"""Batches from in-memory arrays (NumPy, torch tensors, lists and dicts of them).

Each array becomes a torch tensor once (`torch.from_numpy`, no copy unless a cast to floatx is needed).
Per epoch: one `randperm` when shuffling; per batch: a slice view, or one `index_select` when shuffled. On
CUDA, data that fits comfortably is moved to the GPU once; larger data stays in pinned memory and each batch
is copied with `non_blocking=True`.
"""
import math

import numpy as np
import torch

from torchkeras.backend import config
from torchkeras.backend.device import get_device
from torchkeras.trainers.data_adapters import data_adapter_utils
from torchkeras.utils import tree

_GPU_RESIDENT_BYTES = 1 << 30


def _to_tensor(x):
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        if x.dtype == torch.float64:
            return x.to(torch.float32 if config.floatx() == "float32" else x.dtype)
        return x
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):  # pandas
        x = x.to_numpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in "biufc":
        return arr  # strings stay NumPy (preprocessing layers take them); other kinds are reported by the checks
    if arr.dtype == np.float64:
        arr = arr.astype(config.floatx())
    elif arr.dtype.kind == "u" and arr.dtype != np.uint8:
        arr = arr.astype("int64")
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    if not arr.flags.writeable:
        arr = arr.copy()
    return torch.from_numpy(arr)


class ArrayDataAdapter:
    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None, device=None, argument="x"):
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            if y is None:
                raise ValueError("`class_weight` needs targets `y`.")
            sample_weight = data_adapter_utils.class_weight_to_sample_weights(y, class_weight)
        data_adapter_utils.check_data_cardinality((x, y, sample_weight))
        packed = data_adapter_utils.pack_x_y_sample_weight(x, y, sample_weight)
        if not isinstance(packed, tuple):
            packed = (packed,)
        self._structure = packed
        # `(x, y, sample_weight)` of single arrays (the usual case) packs as a plain tuple.
        self._flat_tuple = type(packed) is tuple and not any(isinstance(s, (list, tuple, dict)) for s in packed)
        self._flat = [_to_tensor(a) for a in tree.flatten(packed)]
        sized = [a for a in self._flat if a is not None and hasattr(a, "shape") and len(a.shape)]
        if not sized:
            raise ValueError("Expected array inputs with a batch dimension; received scalars.")
        self.num_samples = int(sized[0].shape[0])
        if self.num_samples == 0:
            shapes = [tuple(a.shape) for a in self._flat if a is not None and hasattr(a, "shape")]
            raise ValueError(
                f"Expected at least one sample in `{argument}`, but the arrays given have 0 samples (shapes: "
                f"{shapes}). There is nothing to train on, evaluate or predict: pass non-empty data."
            )
        if batch_size is None:
            batch_size = math.ceil(self.num_samples / steps) if steps else 32
        self.batch_size = max(1, int(batch_size))
        self.num_batches = max(1, math.ceil(self.num_samples / self.batch_size)) if self.num_samples else 0
        self.shuffle = shuffle
        self.device = torch.device(device) if device is not None else get_device()
        self._place()

    def _place(self):
        tensors = [a for a in self._flat if isinstance(a, torch.Tensor)]
        self._transfer = False
        if self.device.type == "cpu":
            self._flat = [a.cpu() if isinstance(a, torch.Tensor) else a for a in self._flat]
            return
        total = sum(t.numel() * t.element_size() for t in tensors if t.device.type == "cpu")
        free = None
        if self.device.type == "cuda":
            try:
                free, _ = torch.cuda.mem_get_info(self.device)
            except Exception:  # noqa: BLE001
                free = None
        if total <= _GPU_RESIDENT_BYTES and (free is None or total < free // 4):
            self._flat = [a.to(self.device) if isinstance(a, torch.Tensor) else a for a in self._flat]
        else:
            # Too big for the device: batches are gathered on the host into pinned staging buffers and copied
            # asynchronously (the next batch is gathered while the device computes on this one).
            self._transfer = True
            self._staging = {}

    def _take(self, a, start, end, index):
        if a is None:
            return None
        if isinstance(a, np.ndarray):
            return a[start:end] if index is None else a[index.cpu().numpy()]
        if self._transfer and a.device.type == "cpu":
            return self._staged_copy(a, start, end, index)
        if index is None:
            return a[start:end]
        return a.index_select(0, index if index.device == a.device else index.to(a.device))

    def _staged_copy(self, a, start, end, index):
        """The batch of host array `a` on the device: gathered into one of two pinned buffers (one gather, no
        other host copy), then copied without blocking. A buffer is reused only once the copy made from it two
        batches ago has finished, so gathering overlaps the device's work."""
        staging = self._staging.get(id(a))
        if staging is None:
            staging = self._staging[id(a)] = _Staging(a, self.batch_size)
        return staging.copy(a, start, end, index, self.device)

    def _pack(self, flat):
        if self._flat_tuple:
            return tuple(flat)
        return tree.pack_sequence_as(self._structure, flat)

    def get_iterator(self):
        """One epoch of batches."""
        n, bs = self.num_samples, self.batch_size
        perm = None
        if self.shuffle and self.shuffle != "batch":
            perm = torch.randperm(n)
            first = next((a for a in self._flat if isinstance(a, torch.Tensor)), None)
            if first is not None and first.device.type != "cpu":
                perm = perm.to(first.device)
        for start in range(0, n, bs):
            end = min(start + bs, n)
            if perm is not None:
                index = perm[start:end]
            elif self.shuffle == "batch":
                index = torch.randperm(end - start) + start
            else:
                index = None
            yield self._pack([self._take(a, start, end, index) for a in self._flat])

    def on_epoch_end(self):
        pass


class _Staging:
    """Two pinned host buffers for one array, used in turn, each with the event of its last copy."""

    def __init__(self, a, batch_size):
        shape = (batch_size,) + tuple(a.shape[1:])
        self.buffers = [torch.empty(shape, dtype=a.dtype).pin_memory() for _ in range(2)]
        self.events = [None, None]
        self.turn = 0

    def copy(self, a, start, end, index, device):
        k = self.turn
        self.turn = 1 - k
        if self.events[k] is not None:
            self.events[k].synchronize()  # the copy out of this buffer (two batches ago) is done
        buffer = self.buffers[k][:end - start]
        if index is None:
            buffer.copy_(a[start:end])
        else:
            torch.index_select(a, 0, index.cpu(), out=buffer)
        batch = buffer.to(device, non_blocking=True)
        if device.type == "cuda":
            event = torch.cuda.Event()
            event.record()
            self.events[k] = event
        return batch
