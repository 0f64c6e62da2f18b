"""How much does `fit` cost over a hand-written torch loop doing the same math? Run by hand:

    python benchmarks/fit_overhead.py [--device cpu|cuda] [--repeats 3]

Each case trains the same model on the same data with (1) torchkeras `fit`, (2) a careful hand-written torch
loop (randperm + index_select batches, the same forward, Keras's loss math, `torch.optim.Adam` with the
per-step epsilon that makes it Keras's Adam exactly, loss accumulated on the device), and (3) real Keras 3 on
the torch backend when it is installed. It prints seconds per epoch (best of `repeats`) and the ratios.
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


def mse(y, p):
    return ((y - p) ** 2).mean(dim=-1).mean()


def hand_loop(case, x, y, epochs, device):
    torch.manual_seed(0)
    dims = case["dims"]
    params = []
    for din, dout in zip(dims[:-1], dims[1:]):
        limit = math.sqrt(6 / (din + dout))
        # torch's own layout, as nn.Linear stores it: (out_features, in_features)
        w = torch.empty(dout, din, device=device).uniform_(-limit, limit).requires_grad_()
        b = torch.zeros(dout, device=device, requires_grad=True)
        params += [w, b]
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), foreach=True)
    x = torch.from_numpy(x).to(device)
    y = torch.from_numpy(y).to(device)
    n, bs = x.shape[0], case["batch_size"]
    loss_fn = cce if case["loss"] == "categorical_crossentropy" else mse
    t = 0
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            h = xb
            for k in range(0, len(params), 2):
                h = F.linear(h, params[k], params[k + 1])
                if k + 2 < len(params):
                    h = F.relu(h)
            if case["loss"] == "categorical_crossentropy":
                h = F.softmax(h, dim=-1)
            loss = loss_fn(yb, h)
            total += loss.detach() * xb.shape[0]
            loss.backward()
            t += 1
            keras_adam_step(opt, t)
            for p in params:
                p.grad = None
        float(total)  # one sync per epoch, as fit reads its epoch logs
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / epochs


def build(keras_module, case):
    layers = keras_module.layers
    dims = case["dims"]
    model = keras_module.Sequential([keras_module.Input((dims[0],))])
    for i, d in enumerate(dims[1:]):
        last = i == len(dims) - 2
        act = ("softmax" if case["loss"] == "categorical_crossentropy" else None) if last else "relu"
        model.add(layers.Dense(d, activation=act))
    model.compile(optimizer=keras_module.optimizers.Adam(1e-3), loss=case["loss"])
    return model


def fit_time(keras_module, case, x, y, epochs):
    model = build(keras_module, case)
    model.fit(x[: case["batch_size"] * 2], y[: case["batch_size"] * 2], batch_size=case["batch_size"], epochs=1,
              verbose=0)  # warm-up (build, first-call costs)
    start = time.perf_counter()
    model.fit(x, y, batch_size=case["batch_size"], epochs=epochs, verbose=0)
    if torch.cuda.is_available() and keras_module.__name__ == "torchkeras":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / epochs


CASES = [
    {"name": "mlp 784-512-10, batch 128", "dims": [784, 512, 10], "batch_size": 128, "n": 12800,
     "loss": "categorical_crossentropy", "epochs": 3},
    {"name": "tiny Dense(10) on 10 features, batch 32", "dims": [10, 10], "batch_size": 32, "n": 32 * 400,
     "loss": "mse", "epochs": 3},
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true", help="skip real Keras 3")
    args = parser.parse_args()
    os.environ["TORCHKERAS_DEVICE"] = args.device
    import torchkeras

    torchkeras.backend.set_device(args.device)
    keras = None
    if not args.no_keras:
        try:
            import keras  # noqa: F811
        except ImportError:
            keras = None
    print(f"device={args.device} torch={torch.__version__} threads={torch.get_num_threads()}")
    for case in CASES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((case["n"], case["dims"][0])).astype("float32")
        if case["loss"] == "categorical_crossentropy":
            y = np.eye(case["dims"][-1], dtype="float32")[rng.integers(0, case["dims"][-1], case["n"])]
        else:
            y = rng.standard_normal((case["n"], case["dims"][-1])).astype("float32")
        results = {"hand-written torch": [], "torchkeras fit": [], "keras 3 (torch) fit": []}
        for _ in range(args.repeats):  # interleaved, so drift hits every contender alike
            results["hand-written torch"].append(hand_loop(case, x, y, case["epochs"], args.device))
            results["torchkeras fit"].append(fit_time(torchkeras, case, x, y, case["epochs"]))
            if keras is not None:
                results["keras 3 (torch) fit"].append(fit_time(keras, case, x, y, case["epochs"]))
        base = min(results["hand-written torch"])
        steps = math.ceil(case["n"] / case["batch_size"])
        print(f"\n{case['name']} ({steps} steps/epoch, best of {args.repeats})")
        for name, times in results.items():
            if not times:
                continue
            best = min(times)
            print(f"  {name:22s} {best * 1e3:8.1f} ms/epoch  {best / steps * 1e6:7.1f} us/step  "
                  f"ratio {best / base:5.2f}x  (median {statistics.median(times) / base:5.2f}x)")


if __name__ == "__main__":
    main()
