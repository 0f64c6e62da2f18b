"""On CUDA, per-batch metric updates and loss calls must not synchronize the device with the host."""
import numpy as np
import pytest
import torch

import torchkeras.losses as L
import torchkeras.metrics as M

cuda_only = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA to detect host syncs")


def _batch(device):
    rng = np.random.default_rng(0)
    probs = torch.tensor(rng.uniform(0.05, 1.0, size=(16, 4)).astype("float32"), device=device)
    probs = probs / probs.sum(-1, keepdim=True)
    labels = torch.tensor(rng.integers(0, 4, size=(16,)), device=device)
    onehot = torch.nn.functional.one_hot(labels, 4).float()
    weights = torch.tensor(rng.uniform(size=(16,)).astype("float32"), device=device)
    return labels, onehot, probs, weights


@cuda_only
def test_metric_updates_do_not_sync():
    from torchkeras.backend import device as device_lib

    with device_lib.device_scope("cuda"):
        labels, onehot, probs, weights = _batch("cuda")
        metrics = [
            (M.Mean(), (probs[:, 0],)), (M.SparseCategoricalAccuracy(), (labels, probs)),
            (M.CategoricalAccuracy(), (onehot, probs)), (M.BinaryAccuracy(), (onehot, probs)),
            (M.TopKCategoricalAccuracy(k=2), (onehot, probs)), (M.MeanSquaredError(), (onehot, probs)),
            (M.AUC(), (onehot, probs)), (M.AUC(multi_label=True), (onehot, probs)), (M.Precision(), (onehot, probs)),
            (M.Recall(thresholds=[0.3, 0.7]), (onehot, probs)), (M.F1Score(), (onehot, probs)),
            (M.SparseCategoricalCrossentropy(), (labels, probs)), (M.MeanIoU(4), (labels, probs.argmax(-1))),
            (M.R2Score(), (onehot, probs)), (M.RootMeanSquaredError(), (onehot, probs)),
        ]
        for metric, args in metrics:  # first call: lazy state and one-time label checks may sync
            metric.update_state(*args)
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            for metric, args in metrics:
                metric.update_state(*args)
                metric.update_state(*args, sample_weight=weights)
        finally:
            torch.cuda.set_sync_debug_mode("default")


@cuda_only
def test_loss_calls_do_not_sync():
    labels, onehot, probs, weights = _batch("cuda")
    losses = [
        (L.MeanSquaredError(), (onehot, probs)), (L.BinaryCrossentropy(), (onehot, probs)),
        (L.CategoricalCrossentropy(label_smoothing=0.1), (onehot, probs)),
        (L.SparseCategoricalCrossentropy(), (labels, probs)), (L.Hinge(), (onehot, probs)),
        (L.Huber(), (onehot, probs)), (L.KLDivergence(), (onehot, probs)),
    ]
    for loss, args in losses:
        loss(*args)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for loss, args in losses:
            loss(*args)
            loss(*args, sample_weight=weights)
    finally:
        torch.cuda.set_sync_debug_mode("default")
