"""How much does `fit` cost over a hand-written torch loop doing the same math? Run by hand:

    python benchmarks/fit_overhead.py [--device cpu|cuda] [--repeats 3] [--epochs 2] [--threads N]
                                      [--clock wall|cpu] [--jit] [--precision mixed_bfloat16] [--json out.json]

Each case trains the same model on the same data with (1) torchkeras `fit`, (2) a careful hand-written torch
loop (randperm + index_select batches, the same forward, Keras's loss math, `torch.optim.Adam` with the
per-step epsilon that makes it Keras's Adam exactly, loss accumulated on the device), and (3) real Keras 3 on
the torch backend when it is installed. It prints seconds per epoch (best of `repeats`) and the ratios.
"""
import math

import bench_common
import numpy as np
import torch
import torch.nn.functional as F
from keras_math import cce, keras_adam_step


def mse(y, p):
    return ((y - p) ** 2).mean(dim=-1).mean()


def hand_loop(setup, case, x, y, epochs, device):
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
    scaler = setup.scaler()
    start = setup.clock()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            with setup.autocast():
                h = xb
                for k in range(0, len(params), 2):
                    h = F.linear(h, params[k], params[k + 1])
                    if k + 2 < len(params):
                        h = F.relu(h)
                if case["loss"] == "categorical_crossentropy":
                    h = F.softmax(h.float(), dim=-1)
                loss = loss_fn(yb, h.float())
            total += loss.detach() * xb.shape[0]
            t += 1
            if scaler is None:
                loss.backward()
                keras_adam_step(opt, t)
            else:
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                keras_adam_step(opt, t, scaler)
            for p in params:
                p.grad = None
        float(total)  # one sync per epoch, as fit reads its epoch logs
    if device == "cuda":
        torch.cuda.synchronize()
    return (setup.clock() - start) / epochs


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


CASES = [
    {"name": "mlp 784-512-10, batch 128", "dims": [784, 512, 10], "batch_size": 128, "n": 12800,
     "loss": "categorical_crossentropy", "epochs": 3},
    {"name": "tiny Dense(10) on 10 features, batch 32", "dims": [10, 10], "batch_size": 32, "n": 32 * 400,
     "loss": "mse", "epochs": 3},
]


def main():
    setup = bench_common.Setup(bench_common.parser(__doc__).parse_args())
    print(setup.header())
    for case in CASES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((case["n"], case["dims"][0])).astype("float32")
        if case["loss"] == "categorical_crossentropy":
            y = np.eye(case["dims"][-1], dtype="float32")[rng.integers(0, case["dims"][-1], case["n"])]
        else:
            y = rng.standard_normal((case["n"], case["dims"][-1])).astype("float32")
        epochs = setup.args.epochs
        bench_common.run(setup, case["name"], bench_common.steps_of(case["n"], case["batch_size"]),
                         lambda: hand_loop(setup, case, x, y, epochs, setup.args.device),
                         lambda module: build(module, case), x, y, case["batch_size"])


if __name__ == "__main__":
    main()
