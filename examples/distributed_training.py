"""One Keras script, from a laptop to a cluster: `keras.distribution` on torch.distributed.

A small Transformer classifier on synthetic sequences. The same file runs
- on one process:            python examples/distributed_training.py
- on 2 processes:            torchrun --nproc_per_node=2 examples/distributed_training.py
- on 2 nodes of 4 GPUs each: torchrun --nnodes=2 --nproc_per_node=4 --node_rank=<0 or 1> \
                                 --master_addr=<node 0's address> --master_port=29500 \
                                 examples/distributed_training.py
  (or `srun python examples/distributed_training.py` under SLURM).

`--mode` picks the distribution: `data` (DataParallel: replicated weights, DDP), `fsdp` (ModelParallel on a
mesh with only a batch axis: every weight fully sharded with FSDP2) or `model` (the default: the attention
heads and the feed-forward block split over a `model` axis of 2 devices, and everything sharded along the
`batch` axis with FSDP2). With one process every mode runs the model as is.
"""
import argparse
import os
import tempfile

import numpy as np

import torchkeras as keras
from torchkeras import distribution


def choose_distribution(mode):
    devices = distribution.list_devices()  # one device per process: "gpu:0", ... or "cpu:0", ...
    if mode == "data":
        return distribution.DataParallel(devices=devices)
    if mode == "fsdp":
        mesh = distribution.DeviceMesh((len(devices),), ["batch"], devices)
        return distribution.ModelParallel(layout_map=distribution.LayoutMap(mesh), batch_dim_name="batch")
    model_axis = 2 if len(devices) % 2 == 0 else 1
    mesh = distribution.DeviceMesh((len(devices) // model_axis, model_axis), ["batch", "model"], devices)
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*attention/(query|key|value)/kernel"] = (None, "model", None)  # (features, heads, head size)
    layout_map[".*attention/(query|key|value)/bias"] = ("model", None)
    layout_map[".*attention/attention_output/kernel"] = ("model", None, None)
    layout_map[".*ffn_in/kernel"] = (None, "model")  # Megatron-style: split the hidden units...
    layout_map[".*ffn_in/bias"] = ("model",)
    layout_map[".*ffn_out/kernel"] = ("model", None)  # ...and sum the partial outputs
    return distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")


def make_model(length=16, vocabulary=100, width=32, heads=4, classes=4):
    tokens = keras.Input((length,), dtype="int32")
    x = keras.layers.Embedding(vocabulary, width, name="embedding")(tokens)
    attended = keras.layers.MultiHeadAttention(heads, width // heads, name="attention")(x, x)
    x = keras.layers.LayerNormalization(name="norm_1")(x + attended)
    hidden = keras.layers.Dense(4 * width, activation="gelu", name="ffn_in")(x)
    x = keras.layers.LayerNormalization(name="norm_2")(x + keras.layers.Dense(width, name="ffn_out")(hidden))
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(tokens, keras.layers.Dense(classes, activation="softmax", name="classifier")(x))


def make_data(n=2048, length=16, vocabulary=100, classes=4):
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, vocabulary, size=(n, length)).astype("int32")
    labels = (tokens[:, :4].sum(axis=1) % classes).astype("int32")  # depends on the first tokens
    return tokens, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["data", "fsdp", "model"], default="model")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch size")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "torchkeras_distributed"))
    args = parser.parse_args()

    distribution.initialize()  # from torchrun's / SLURM's environment; nothing to do on one process
    distribution.set_distribution(choose_distribution(args.mode))  # before creating the model
    keras.utils.set_random_seed(0)
    model = make_model()
    model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = make_data()
    # `batch_size` is global: each data shard reads its part of every batch.
    model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1, verbose=2)
    # Saving is collective when weights are sharded: every process calls it, process 0 writes ordinary
    # Keras files (whole weights), which a single process, or another layout, loads back.
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "transformer.keras")
    model.save(path)
    restored = keras.saving.load_model(path)  # laid out by the current distribution again
    loss, accuracy = restored.evaluate(x[:256], y[:256], verbose=0)
    if distribution.devices.process_id() == 0:
        print(f"{distribution.distribution()}: saved {path}; reloaded model accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
