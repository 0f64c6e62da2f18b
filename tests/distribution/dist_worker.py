"""Worker for the keras.distribution tests: run by torchrun (2 or 4 gloo processes on 127.0.0.1), or in one
process for the reference (there every distribution is a no-op).

Usage: python dist_worker.py OUT_DIR SUITE [REFERENCE_DIR]
SUITE "two" (2 processes), "four" (4 processes) or "one" (the single-process reference of both).

Each scenario trains a small model on the same global batches and writes, per process, `<scenario>.rank<r>.npz`
(final weights, gathered) and `<scenario>.rank<r>.json` (history, what each process holds: bytes and element
counts of its shards). Some scenarios also save the model (`.weights.h5`, `.keras`) or load the reference's
files into a sharded model. `errors.rank<r>.json` holds the messages of the error scenarios.
"""
import json
import os
import sys

import numpy as np
import torch

os.environ.setdefault("TORCHKERAS_DEVICE", "cpu")

import torchkeras as keras  # noqa: E402
from torchkeras import distribution as kd  # noqa: E402

N, GLOBAL_BATCH, EPOCHS = 32, 8, 2


# --- models and data ---------------------------------------------------------------------------------------
def mlp():
    return keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh", name="up"),
                             keras.layers.Dense(4, name="down"), keras.layers.Dense(1, name="head")])


def convnet():
    return keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, name="head")])


def transformer():
    inputs = keras.Input((4, 8))
    attention = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(inputs, inputs)
    x = keras.layers.LayerNormalization(name="norm")(inputs + attention)
    h = keras.layers.Dense(16, activation="relu", name="ffn_up")(x)
    x = x + keras.layers.Dense(8, name="ffn_down")(h)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(1, name="head")(x))


def lstm():
    return keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(6, name="lstm"),
                             keras.layers.Dense(1, name="head")])


MODELS = {"mlp": (mlp, (5,)), "conv": (convnet, (6, 6, 3)), "mha": (transformer, (4, 8)), "lstm": (lstm, (5, 3))}

# Tensor-parallel layouts (mesh axes "batch", "model").
LAYOUTS = {
    "mlp": {"up/kernel": (None, "model"), "up/bias": ("model",), "down/kernel": ("model", None)},
    "conv": {"head/kernel": ("model", None)},  # (torch's DTensor cannot split convolution kernels)
    "mha": {"mha/(query|key|value)/kernel": (None, "model", None), "mha/(query|key|value)/bias": ("model", None),
            "mha/attention_output/kernel": ("model", None, None), "ffn_up/kernel": (None, "model"),
            "ffn_up/bias": ("model",), "ffn_down/kernel": ("model", None)},
    "lstm": {},
}


def data(kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N,) + MODELS[kind][1]).astype("float32")
    y = (x.reshape(N, -1).mean(axis=1, keepdims=True) * 3 + 0.1).astype("float32")
    return x, y


class Batches(keras.utils.PyDataset):
    """The arrays as a PyDataset whose batches are global batches."""

    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]


OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.01),
    "sgd": lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    # weight decay and clipping over a mix of whole and sharded variables
    "adamw_clip": lambda: keras.optimizers.AdamW(0.01, weight_decay=0.05, global_clipnorm=0.5),
    "sgd_clip": lambda: keras.optimizers.SGD(0.05, momentum=0.9, clipnorm=0.3),
}


def build(kind, optimizer=None):
    keras.utils.set_random_seed(1)
    model = MODELS[kind][0]()
    # Adam, except for the attention block: its key bias has no effect on the loss (softmax is invariant to
    # it), so its gradient is rounding noise that Adam would scale up to full-size steps.
    optimizer = optimizer or ("sgd" if kind == "mha" else "adam")
    model.compile(optimizer=OPTIMIZERS[optimizer](), loss="mse", metrics=["mae"])
    return model


# --- distributions ---------------------------------------------------------------------------------------
def model_parallel(kind, shape, fully_shard=True):
    """A ModelParallel on a mesh of `shape` (batch[, model]) with the kind's layouts (None with 1 process)."""
    devices = kd.list_devices()
    if len(devices) == 1:
        return None
    names = ["batch", "model"][:len(shape)]
    layout_map = kd.LayoutMap(kd.DeviceMesh(shape, names, devices))
    if "model" in names:
        for key, axes in LAYOUTS[kind].items():
            layout_map[".*" + key] = axes
    return kd.ModelParallel(layout_map=layout_map, batch_dim_name="batch", fully_shard=fully_shard)


def data_parallel():
    return kd.DataParallel() if len(kd.list_devices()) > 1 else None


# --- recording -------------------------------------------------------------------------------------------
def rank():
    return kd.devices.process_id()


def local(v):
    return v._local_tensor if hasattr(v, "_local_tensor") else v


def placements(v):
    return [repr(p) for p in v.placements] if hasattr(v, "placements") else None


def holdings(variables):
    """What this process holds of `variables`: per variable, local and whole element counts and placements."""
    out = []
    for v in variables:
        t = local(v)
        mesh = list(v.device_mesh.shape) if hasattr(v, "device_mesh") else None
        out.append({"path": v.path, "local": int(t.numel()), "whole": int(np.prod(v.shape, dtype=np.int64)),
                    "bytes": int(t.numel() * t.element_size()), "whole_bytes": int(np.prod(v.shape) * t.element_size()),
                    "placements": placements(v), "mesh": mesh})
    return out


def slots(model):
    optimizer = model.optimizer
    skip = {id(optimizer._iterations)}
    lr = getattr(optimizer, "_learning_rate", None)
    if isinstance(lr, torch.Tensor):
        skip.add(id(lr))
    return [v for v in optimizer.variables if id(v) not in skip]


def record(out, name, model, history=None, extra=None):
    os.makedirs(out, exist_ok=True)
    weights = model.get_weights()  # gathers sharded variables (every process)
    optimizer_weights = [np.asarray(v.numpy()) for v in model.optimizer.variables] if model.optimizer else []
    info = {"history": history, "weights": holdings(model.weights),
            "slots": holdings(slots(model)) if model.optimizer is not None and model.optimizer.built else [],
            **(extra or {})}
    r = rank()
    np.savez(os.path.join(out, f"{name}.rank{r}.npz"), *weights)
    np.savez(os.path.join(out, f"{name}.optimizer.rank{r}.npz"), *optimizer_weights)
    with open(os.path.join(out, f"{name}.rank{r}.json"), "w") as f:
        json.dump(info, f)


def train(out, name, kind, distribution, how="arrays", save=False, optimizer=None):
    """Train `kind` under `distribution` (None: one process) and record it. With `save`, checkpoint callbacks
    run too (their saves are collective when the weights are sharded) and the model is saved at the end."""
    kd.set_distribution(distribution)
    try:
        model = build(kind, optimizer)
        x, y = data(kind)
        callbacks = []
        if save:
            callbacks = [keras.callbacks.ModelCheckpoint(os.path.join(out, f"{name}.ckpt.weights.h5"),
                                                         save_weights_only=True),
                         keras.callbacks.BackupAndRestore(os.path.join(out, f"{name}.backup"))]
        if how == "arrays":
            history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                                callbacks=callbacks)
        elif how == "pydataset":
            history = model.fit(Batches(x, y, GLOBAL_BATCH), epochs=EPOCHS, shuffle=False, verbose=0)
        else:  # a DataLoader: per-process batches, GLOBAL_BATCH in all
            shards = kd.distribution().num_model_replicas if kd.distribution() is not None else 1
            dataset = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
            loader = torch.utils.data.DataLoader(dataset, batch_size=GLOBAL_BATCH // shards, shuffle=False)
            history = model.fit(loader, epochs=EPOCHS, verbose=0)
        evaluation = model.evaluate(x, y, batch_size=GLOBAL_BATCH, verbose=0, return_dict=True)
        # 21 samples: shards of 11 and 10 samples (or 6 and 5), each sample counted once
        uneven = model.evaluate(x[:21], y[:21], batch_size=GLOBAL_BATCH, verbose=0, return_dict=True)
        record(out, name, model, history.history, {"evaluate": evaluation, "evaluate_uneven": uneven,
                                                   "count_params": model.count_params()})
        if save:
            model.save_weights(os.path.join(out, f"{name}.weights.h5"))
            model.save(os.path.join(out, f"{name}.keras"))
        return model
    finally:
        kd.set_distribution(None)


def load(out, name, kind, distribution, reference):
    """Load the reference's files of `kind` into a model sharded by `distribution`, and record what it holds."""
    kd.set_distribution(distribution)
    try:
        model = build(kind)
        model.load_weights(os.path.join(reference, f"ref_{kind}.weights.h5"))
        record(out, f"{name}_weights", model)
        loaded = keras.saving.load_model(os.path.join(reference, f"ref_{kind}.keras"))
        record(out, f"{name}_keras", loaded)
    finally:
        kd.set_distribution(None)


def errors(out):
    """The messages of the errors the distribution API raises for wrong set-ups."""
    messages = {}
    devices = kd.list_devices()
    try:  # a mesh that does not match the world size
        mesh = kd.DeviceMesh((4,), ["batch"], [f"cpu:{i}" for i in range(4)])
        kd.set_distribution(kd.ModelParallel(layout_map=kd.LayoutMap(mesh)))
    except ValueError as e:
        messages["mesh"] = str(e)
    finally:
        kd.set_distribution(None)
    layout_map = kd.LayoutMap(kd.DeviceMesh((1, len(devices)), ["batch", "model"], devices))
    layout_map[".*head/kernel"] = (None, "model")  # head has 1 unit: no split over 2 devices
    kd.set_distribution(kd.ModelParallel(layout_map=layout_map))
    try:
        build("mlp")
    except ValueError as e:
        messages["divide"] = str(e)
    finally:
        kd.set_distribution(None)
    model = build("mlp")  # built before the distribution is set
    kd.set_distribution(model_parallel("mlp", (len(devices),)))
    try:
        model.compile(optimizer="adam", loss="mse")
    except ValueError as e:
        messages["late"] = str(e)
    finally:
        kd.set_distribution(None)
    distribution = model_parallel("mlp", (len(devices),))
    with distribution.scope():  # created under a distribution, then used outside of it
        model = build("mlp")
    try:
        model.fit(*data("mlp"), batch_size=GLOBAL_BATCH, verbose=0)
    except ValueError as e:
        messages["outside"] = str(e)
    if len(devices) % 2 == 0:
        layout_map = kd.LayoutMap(kd.DeviceMesh((len(devices) // 2, 2), ["batch", "model"], devices))
        layout_map[".*lstm.*/kernel"] = (None, "model")
        layout_map[".*conv/kernel"] = (None, None, None, "model")
        kd.set_distribution(kd.ModelParallel(layout_map=layout_map))
        for kind, key in (("lstm", "recurrent"), ("conv", "convolution")):
            try:
                build(kind)
            except ValueError as e:
                messages[key] = str(e)
        kd.set_distribution(None)
    with open(os.path.join(out, f"errors.rank{rank()}.json"), "w") as f:
        json.dump(messages, f)


def variables(out):
    """`keras.Variable(..., layout=...)`, its Keras surface, and `distribute_tensor`, on a (2,) mesh."""
    mesh = kd.DeviceMesh((2,), ["batch"], kd.list_devices())
    value = np.arange(12, dtype="float32").reshape(4, 3)
    v = keras.Variable(value, name="standalone", layout=kd.TensorLayout(("batch", None), mesh))
    record = {"type": type(v).__name__, "is_variable": isinstance(v, keras.Variable), "path": v.path,
              "local": list(v.local_value.shape), "whole": v.numpy().tolist()}
    v.assign(value * 2)
    record["assigned"] = np.asarray(v).tolist()
    v.assign_add(np.ones((4, 3), "float32"))
    record["added"] = v.numpy().tolist()
    d = kd.distribute_tensor(torch.tensor(value), kd.TensorLayout((None, "batch"), mesh))
    record["distributed"] = [list(d.to_local().shape), d.full_tensor().tolist()]
    with open(os.path.join(out, f"variables.rank{rank()}.json"), "w") as f:
        json.dump(record, f)


# --- suites ----------------------------------------------------------------------------------------------
def two(out, reference):
    for kind in ("mlp", "conv", "mha", "lstm"):
        train(out, f"dp_{kind}", kind, data_parallel())
        train(out, f"fsdp_{kind}", kind, model_parallel(kind, (2,)), save=kind == "mlp")
    train(out, "dp_mlp_pydataset", "mlp", data_parallel(), how="pydataset")
    train(out, "dp_mlp_loader", "mlp", data_parallel(), how="loader")
    for optimizer in ("adamw_clip", "sgd_clip"):  # tensor parallel only: whole and sharded variables mixed
        train(out, f"tp_mlp_{optimizer}", "mlp", model_parallel("mlp", (1, 2)), optimizer=optimizer)
    load(out, "load_fsdp_mlp", "mlp", model_parallel("mlp", (2,)), reference)
    variables(out)
    errors(out)


def four(out, reference):
    for kind in ("mlp", "conv", "mha", "lstm"):
        train(out, f"mp_{kind}", kind, model_parallel(kind, (2, 2)), save=kind in ("mlp", "mha"))
    train(out, "mp_mlp_replicated", "mlp", model_parallel("mlp", (2, 2), fully_shard=False))
    train(out, "mp_mlp_adamw_clip", "mlp", model_parallel("mlp", (2, 2)), optimizer="adamw_clip")
    train(out, "mp_mlp_pydataset", "mlp", model_parallel("mlp", (2, 2)), how="pydataset")
    load(out, "load_mp_mlp", "mlp", model_parallel("mlp", (2, 2)), reference)
    load(out, "load_mp_mha", "mha", model_parallel("mha", (2, 2)), reference)
    errors(out)


def one(out):
    """The single-process reference of every scenario (the distributions are no-ops)."""
    for kind in ("mlp", "conv", "mha", "lstm"):
        train(out, f"ref_{kind}", kind, None, save=kind in ("mlp", "mha"))
    train(out, "ref_mlp_pydataset", "mlp", None, how="pydataset")
    for optimizer in ("adamw_clip", "sgd_clip"):
        train(out, f"ref_mlp_{optimizer}", "mlp", None, optimizer=optimizer)
    train(out, "ref_mlp_loader", "mlp", None, how="loader")


def main(out, suite, reference=None):
    kd.initialize()
    if suite == "one":
        one(out)
    elif suite == "two":
        two(out, reference)
    else:
        four(out, reference)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    from torchkeras.trainers import distributed

    distributed.shutdown()
