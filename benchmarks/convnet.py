"""The Keras MNIST convnet trained with torchkeras `fit`, a hand-written torch loop and real Keras 3. By hand:

    python benchmarks/convnet.py [--device cpu|cuda] [--repeats 3] [--n 2560] [--epochs 2] [--threads N]
                                 [--clock wall|cpu] [--no-keras]

Model: Input 28x28x1, Conv2D 32 3x3 relu, MaxPooling2D, Conv2D 64 3x3 relu, MaxPooling2D, Flatten,
Dropout 0.5, Dense 10 softmax; categorical crossentropy, Adam(1e-3), batch 128.

The hand-written loop is what a careful torch user writes for the same math: torch-layout weights, channels_last
activations (NHWC tensors seen as NCHW views), `F.conv2d`/`F.max_pool2d`/`F.dropout`/`F.linear`, Keras's
crossentropy (probabilities renormalised and clipped to [1e-7, 1 - 1e-7]), `torch.optim.Adam` with the
per-step epsilon that makes it Keras's Adam exactly, randperm + index_select batches, the loss accumulated on the
device and read once per epoch. Contenders run interleaved (repeat r runs all of them), so load drift on a
shared machine hits every one alike; the table reports the best and the median. On a loaded CPU machine,
`--threads 1 --clock cpu` (one thread, process CPU time) gives the steadiest ratios.
"""
import argparse
import math
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from keras_math import cce, keras_adam_step

os.environ.setdefault("KERAS_BACKEND", "torch")

BATCH = 128
CLOCK = time.perf_counter  # --clock cpu switches to time.process_time


def glorot(shape, fan_in, fan_out, device):
    limit = math.sqrt(6 / (fan_in + fan_out))
    return torch.empty(shape, device=device).uniform_(-limit, limit).requires_grad_()


def hand_loop(x, y, epochs, device):
    torch.manual_seed(0)
    params = [
        glorot((32, 1, 3, 3), 9, 9 * 32, device), torch.zeros(32, device=device, requires_grad=True),
        glorot((64, 32, 3, 3), 9 * 32, 9 * 64, device), torch.zeros(64, device=device, requires_grad=True),
        glorot((10, 1600), 1600, 10, device), torch.zeros(10, device=device, requires_grad=True),
    ]
    w1, b1, w2, b2, w3, b3 = params
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), foreach=True)
    x = torch.from_numpy(x).to(device)
    y = torch.from_numpy(y).to(device)
    n = x.shape[0]
    t = 0
    start = CLOCK()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            h = xb.permute(0, 3, 1, 2)  # NHWC memory seen as NCHW: channels_last
            h = F.max_pool2d(F.relu(F.conv2d(h, w1, b1)), 2)
            h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2)), 2)
            h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # Keras's Flatten order (H, W, C)
            h = F.dropout(h, 0.5, training=True)
            p = F.softmax(F.linear(h, w3, b3), dim=-1)
            loss = cce(yb, p)
            total += loss.detach() * xb.shape[0]
            loss.backward()
            t += 1
            keras_adam_step(opt, t)
            for q in params:
                q.grad = None
        float(total)  # one sync per epoch, as fit reads its epoch logs
    if device == "cuda":
        torch.cuda.synchronize()
    return (CLOCK() - start) / epochs


def build(keras_module):
    layers = keras_module.layers
    model = keras_module.Sequential([
        keras_module.Input((28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras_module.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    return model


def fit_time(keras_module, x, y, epochs):
    model = build(keras_module)
    model.fit(x[:BATCH * 2], y[:BATCH * 2], batch_size=BATCH, epochs=1, verbose=0)  # warm-up: build, first calls
    start = CLOCK()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return (CLOCK() - start) / epochs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=BATCH * 20, help="training samples")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, steadier than wall time on a CPU machine shared with other jobs")
    parser.add_argument("--no-keras", action="store_true", help="skip real Keras 3")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ["TORCHKERAS_DEVICE"] = args.device
    import torchkeras

    torchkeras.backend.set_device(args.device)
    keras = None
    if not args.no_keras:
        try:
            import keras  # noqa: F811
        except ImportError:
            keras = None
    print(f"device={args.device} torch={torch.__version__} threads={torch.get_num_threads()} "
          f"mkldnn={torch.backends.mkldnn.is_available()} clock={args.clock}")
    rng = np.random.default_rng(0)
    x = rng.random((args.n, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, args.n)]
    results = {"hand-written torch": [], "torchkeras fit": [], "keras 3 (torch) fit": []}
    for _ in range(args.repeats):
        results["hand-written torch"].append(hand_loop(x, y, args.epochs, args.device))
        results["torchkeras fit"].append(fit_time(torchkeras, x, y, args.epochs))
        if keras is not None:
            results["keras 3 (torch) fit"].append(fit_time(keras, x, y, args.epochs))
    base_best = min(results["hand-written torch"])
    base_median = statistics.median(results["hand-written torch"])
    steps = math.ceil(args.n / BATCH)
    print(f"\nMNIST convnet, batch {BATCH} ({steps} steps/epoch, {args.repeats} interleaved repeats)")
    for name, times in results.items():
        if not times:
            continue
        best, median = min(times), statistics.median(times)
        print(f"  {name:22s} best {best * 1e3:8.1f} ms/epoch  {best / steps * 1e3:6.2f} ms/step  "
              f"ratio {best / base_best:5.2f}x  (median ratio {median / base_median:5.2f}x)")


if __name__ == "__main__":
    main()
