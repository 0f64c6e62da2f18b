"""Worker script for the DDP tests, run by `torchrun` (2 gloo processes on 127.0.0.1) or as one process.

Usage: python ddp_worker.py OUT_DIR
- OUT_DIR/loop: training with the distributed machinery called by hand (sharded arrays, DDP forward, metric
  sync), as `fit` does it;
- OUT_DIR/fit (only when the trainer calls the distributed hooks): training with `model.fit`, evaluation,
  then training on a Dataset and on a DataLoader with a DistributedSampler.
Each process writes `rank{r}*.npz` (final weights) and `rank{r}.json` (what it saw) there.
"""
import json
import os
import sys

import numpy as np
import torch

import torchkeras as keras
from torchkeras.trainers import distributed

N_SAMPLES, GLOBAL_BATCH, EPOCHS = 48, 8, 2


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_SAMPLES, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1)) + 0.1 * rng.normal(size=(N_SAMPLES, 1))).astype("float32")
    return x, y


class BatchRecorder(keras.layers.Layer):
    """Identity layer that records the batch sizes it sees during training."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sizes = []

    def call(self, x, training=None):
        if training:
            self.sizes.append(int(x.shape[0]))
        return x


def build_model():
    keras.utils.set_random_seed(1)
    recorder = BatchRecorder()
    model = keras.Sequential([keras.Input((5,)), recorder, keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="mse", metrics=["mae"])
    return model, recorder


def run_loop(out_dir):
    """The machinery by hand: what `fit` does under torchrun, step by step."""
    from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    active = distributed.initialize()
    model, recorder = build_model()
    x, y = data()
    adapter = distributed.shard_adapter(ArrayDataAdapter(x, y, batch_size=GLOBAL_BATCH, shuffle=False))
    params = model.trainable_weights
    epoch_logs = []
    for _ in range(EPOCHS):
        model.reset_metrics()
        model.train()
        for xb, yb in adapter.get_iterator():
            with torch.enable_grad():
                y_pred = model(xb, training=True)  # through DDP when distributed
                loss = model.compute_loss(x=xb, y=yb, y_pred=y_pred)
            model._loss_tracker.update_state(loss.detach(), sample_weight=xb.shape[0])
            model.compute_metrics(xb, yb, y_pred)
            loss.backward()
            model.optimizer.apply([p.grad for p in params], params)
            for p in params:
                p.grad = None
        adapter.on_epoch_end()
        distributed.sync_metrics(model)
        epoch_logs.append({k: float(v) for k, v in model.get_metrics_result().items()})
        model.eval()
    save(out_dir, model, {"sizes": recorder.sizes, "logs": epoch_logs, "active": active})


def run_fit(out_dir):
    active = distributed.initialize()
    model, recorder = build_model()
    x, y = data()
    os.makedirs(out_dir, exist_ok=True)
    checkpoint = os.path.join(out_dir, f"ckpt_written_by_rank{distributed.rank()}.weights.h5")
    callbacks = [keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True)]
    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=EPOCHS, shuffle=False, verbose=2,
                        callbacks=callbacks, validation_data=(x[:20], y[:20]))
    fit_sizes = list(recorder.sizes)
    evaluation = model.evaluate(x[:21], y[:21], batch_size=4, verbose=0, return_dict=True)
    record = {"sizes": fit_sizes, "history": history.history, "evaluate": evaluation, "active": active,
              "ddp": "_ddp_wrapper" in model.__dict__}
    save(out_dir, model, record, suffix="")

    # A map-style Dataset (global batch size) and a DataLoader with a DistributedSampler (per-process batches).
    dataset = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    model, recorder = build_model()
    model.fit(dataset, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0)
    record["dataset_sizes"] = list(recorder.sizes)
    save(out_dir, model, record, suffix="_dataset")
    model, recorder = build_model()
    sampler = torch.utils.data.distributed.DistributedSampler(
        dataset, num_replicas=distributed.world_size(), rank=distributed.rank(), shuffle=False)
    loader = torch.utils.data.DataLoader(dataset, batch_size=GLOBAL_BATCH // distributed.world_size(),
                                         sampler=sampler)
    model.fit(loader, epochs=1, verbose=0)
    record["loader_sizes"] = list(recorder.sizes)
    save(out_dir, model, record, suffix="_loader")


def save(out_dir, model, record, suffix=""):
    os.makedirs(out_dir, exist_ok=True)
    r = distributed.rank()
    np.savez(os.path.join(out_dir, f"rank{r}{suffix}.npz"), *[w.detach().cpu().numpy() for w in model.weights])
    with open(os.path.join(out_dir, f"rank{r}.json"), "w") as f:
        json.dump(record, f)


def trainer_has_hooks():
    from torchkeras.trainers import trainer

    return hasattr(trainer, "distributed")


def main(out_dir):
    run_loop(os.path.join(out_dir, "loop"))
    if trainer_has_hooks():
        run_fit(os.path.join(out_dir, "fit"))


if __name__ == "__main__":
    os.environ.setdefault("TORCHKERAS_DEVICE", "cpu")
    main(sys.argv[1])
    distributed.shutdown()
