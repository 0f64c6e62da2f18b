"""What each process holds, and how long a step takes, under each `keras.distribution` mode.

    python examples/distributed_memory_and_speed.py --mode none
    torchrun --nproc_per_node=2 examples/distributed_memory_and_speed.py --mode data    # DDP
    torchrun --nproc_per_node=2 examples/distributed_memory_and_speed.py --mode fsdp    # FSDP2
    torchrun --nproc_per_node=2 examples/distributed_memory_and_speed.py --mode tensor  # mesh (1, 2)
    torchrun --nproc_per_node=4 examples/distributed_memory_and_speed.py --mode model   # mesh (2, 2)

Rank 0 prints one line: the bytes of weights and optimizer slots each process holds (largest over the
processes) against the whole model, and the median training step time (same global batch in every mode).
"""
import argparse
import statistics
import time

import numpy as np
import torch

import torchkeras as keras
from torchkeras import distribution

WIDTH, HEADS, LENGTH, BATCH = 256, 4, 32, 64


def layouts(layout_map):
    layout_map[".*attention/(query|key|value)/kernel"] = (None, "model", None)
    layout_map[".*attention/(query|key|value)/bias"] = ("model", None)
    layout_map[".*attention/attention_output/kernel"] = ("model", None, None)
    layout_map[".*ffn_in/kernel"] = (None, "model")
    layout_map[".*ffn_in/bias"] = ("model",)
    layout_map[".*ffn_out/kernel"] = ("model", None)


def choose(mode):
    devices = distribution.list_devices()
    if mode == "none" or len(devices) == 1:
        return None
    if mode == "data":
        return distribution.DataParallel()
    shape = {"fsdp": (len(devices),), "tensor": (1, len(devices)), "model": (len(devices) // 2, 2)}[mode]
    mesh = distribution.DeviceMesh(shape, ["batch", "model"][:len(shape)], devices)
    layout_map = distribution.LayoutMap(mesh)
    if len(shape) == 2:
        layouts(layout_map)
    return distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")


def make_model():
    inputs = keras.Input((LENGTH, WIDTH))
    attended = keras.layers.MultiHeadAttention(HEADS, WIDTH // HEADS, name="attention")(inputs, inputs)
    x = keras.layers.LayerNormalization(name="norm_1")(inputs + attended)
    hidden = keras.layers.Dense(4 * WIDTH, activation="gelu", name="ffn_in")(x)
    x = keras.layers.LayerNormalization(name="norm_2")(x + keras.layers.Dense(WIDTH, name="ffn_out")(hidden))
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(1, name="head")(x))


class StepTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def held_bytes(variables):
    local = sum((v._local_tensor if hasattr(v, "_local_tensor") else v).numel() * v.element_size()
                for v in variables)
    whole = sum(v.numel() * v.element_size() for v in variables)
    return local, whole


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["none", "data", "fsdp", "tensor", "model"], default="model")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    distribution.initialize()
    distribution.set_distribution(choose(args.mode))
    keras.utils.set_random_seed(0)
    model = make_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    rng = np.random.default_rng(0)
    n = BATCH * (args.steps + 5)
    x = rng.normal(size=(n, LENGTH, WIDTH)).astype("float32")
    y = rng.normal(size=(n, 1)).astype("float32")
    timer = StepTimer()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    weights = held_bytes(model.weights)
    optimizer = model.optimizer
    slots = held_bytes([v for v in optimizer.variables if v.dim() > 0])
    numbers = torch.tensor([weights[0], slots[0]], dtype=torch.float64)
    if torch.distributed.is_initialized():
        torch.distributed.all_reduce(numbers, op=torch.distributed.ReduceOp.MAX)
    step = statistics.median(timer.times[5:])
    if distribution.devices.process_id() == 0:
        mib = 1 / 2**20
        print(f"mode={args.mode} processes={distribution.devices.num_processes()} "
              f"weights/process={numbers[0] * mib:.2f} MiB of {weights[1] * mib:.2f} MiB, "
              f"slots/process={numbers[1] * mib:.2f} MiB of {slots[1] * mib:.2f} MiB, "
              f"median step={step * 1000:.1f} ms")


if __name__ == "__main__":
    main()
