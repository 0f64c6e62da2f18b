"""Arrays too big for the device go through two pinned host buffers, used in turn (checked here on CPU, with
pinning stubbed: what matters is that every batch is the right one, shuffled or not, partial last batch too)."""
import numpy as np
import pytest
import torch

from torchkeras.trainers.data_adapters import array_data_adapter
from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter


@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_staged_batches_are_the_batches(shuffle, monkeypatch):
    monkeypatch.setattr(torch.Tensor, "pin_memory", lambda self: self)
    x = np.arange(23 * 3, dtype="float32").reshape(23, 3)
    y = np.arange(23, dtype="int64")
    adapter = ArrayDataAdapter(x, y, batch_size=5, shuffle=shuffle, device="cpu")
    adapter._transfer, adapter._staging = True, {}  # as if the data did not fit on the device
    torch.manual_seed(0)
    for _ in range(2):
        seen = []
        for xb, yb in adapter.get_iterator():
            # Each batch is consumed before the next is made, as in training; the rows still match the labels.
            np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy() * 3)
            seen.extend(yb.tolist())
        assert sorted(seen) == list(range(23))
    assert len(adapter._staging) == 2 and all(len(s.buffers) == 2 for s in adapter._staging.values())
