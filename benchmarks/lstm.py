"""How much does `fit` cost for an LSTM text classifier over a hand-written torch loop doing the same math?
Run by hand (not in CI):

    python benchmarks/lstm.py [--device cpu|cuda] [--repeats 3] [--threads N] [--no-keras]

Model: Embedding(20000, 128) -> LSTM(128) -> Dense(1, sigmoid), binary crossentropy, Adam(1e-3), sequences of
80 tokens, batch 32. Contenders, interleaved so that machine drift hits each alike:

1. a hand-written torch loop: the Keras-layout weights (`kernel (128, 512)`, `recurrent_kernel (128, 512)`,
   one bias) fed as views to `torch._VF.lstm`, Keras's probability clipping in the loss, `torch.optim.Adam`
   with the per-step epsilon that makes it Keras's Adam, the loss accumulated on the device;
2. torchkeras `fit`;
3. real Keras 3 `fit` on the torch backend, when it is installed.

It prints seconds per epoch (best of `repeats`) and the ratio to the hand-written loop (target <= 1.10x).
"""
import argparse
import math
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from keras_math import keras_adam_step

os.environ.setdefault("KERAS_BACKEND", "torch")

VOCAB, EMBED, UNITS, SEQ, BATCH = 20000, 128, 128, 80, 32


def bce(y, p):
    p = p.clamp(1e-7, 1 - 1e-7)
    return F.binary_cross_entropy(p, y, reduction="none").mean(dim=-1).mean()


def hand_loop(x, y, epochs, device):
    torch.manual_seed(0)
    embeddings = torch.empty(VOCAB, EMBED, device=device).uniform_(-0.05, 0.05).requires_grad_()
    # torch's own layouts, as nn.LSTM and nn.Linear store them: (4*units, in), (4*units, units), (out, in)
    limit = math.sqrt(6 / (EMBED + 4 * UNITS))
    kernel = torch.empty(4 * UNITS, EMBED, device=device).uniform_(-limit, limit).requires_grad_()
    recurrent = torch.nn.init.orthogonal_(torch.empty(4 * UNITS, UNITS, device=device)).requires_grad_()
    bias = torch.zeros(4 * UNITS, device=device)
    bias[UNITS:2 * UNITS] = 1.0
    bias.requires_grad_()
    limit = math.sqrt(6 / (UNITS + 1))
    dense_kernel = torch.empty(1, UNITS, device=device).uniform_(-limit, limit).requires_grad_()
    dense_bias = torch.zeros(1, device=device, requires_grad=True)
    params = [embeddings, kernel, recurrent, bias, dense_kernel, dense_bias]
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), foreach=True)
    zero_bias = torch.zeros(4 * UNITS, device=device)
    x = torch.from_numpy(x).to(device)
    y = torch.from_numpy(y).to(device)
    n = x.shape[0]
    t = 0
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            h = F.embedding(xb, embeddings)
            h0 = torch.zeros(1, xb.shape[0], UNITS, device=device)
            out, _, _ = torch._VF.lstm(h, (h0, h0), [kernel, recurrent, bias, zero_bias], True, 1, 0.0,
                                       True, False, True)
            p = torch.sigmoid(F.linear(out[:, -1], dense_kernel, dense_bias))
            loss = bce(yb, p)
            total += loss.detach() * xb.shape[0]
            loss.backward()
            t += 1
            keras_adam_step(opt, t)
            for q in params:
                q.grad = None
        float(total)  # one sync per epoch, as fit reads its epoch logs
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / epochs


def build(keras_module):
    layers = keras_module.layers
    model = keras_module.Sequential([
        keras_module.Input((SEQ,), dtype="int32"),
        layers.Embedding(VOCAB, EMBED),
        layers.LSTM(UNITS),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras_module.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def fit_time(keras_module, x, y, epochs):
    model = build(keras_module)
    model.fit(x[:BATCH * 2], y[:BATCH * 2], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    if torch.cuda.is_available() and keras_module.__name__ == "torchkeras":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / epochs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=BATCH * 40)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--no-keras", action="store_true", help="skip real Keras 3")
    args = parser.parse_args()
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
    print(f"device={args.device} torch={torch.__version__} threads={torch.get_num_threads()}")
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB, (args.samples, SEQ)).astype("int32")
    y = (rng.random((args.samples, 1)) < 0.5).astype("float32")
    results = {"hand-written torch": [], "torchkeras fit": [], "keras 3 (torch) fit": []}
    for _ in range(args.repeats):
        results["hand-written torch"].append(hand_loop(x.astype("int64"), y, args.epochs, args.device))
        results["torchkeras fit"].append(fit_time(torchkeras, x, y, args.epochs))
        if keras is not None:
            results["keras 3 (torch) fit"].append(fit_time(keras, x, y, args.epochs))
    base = min(results["hand-written torch"])
    steps = math.ceil(args.samples / BATCH)
    print(f"\nEmbedding({VOCAB},{EMBED}) -> LSTM({UNITS}) -> Dense(1), seq {SEQ}, batch {BATCH} "
          f"({steps} steps/epoch, best of {args.repeats})")
    for name, times in results.items():
        if not times:
            continue
        best = min(times)
        print(f"  {name:22s} {best * 1e3:8.1f} ms/epoch  {best / steps * 1e3:7.2f} ms/step  "
              f"ratio {best / base:5.2f}x  (median {statistics.median(times) / base:5.2f}x)")


if __name__ == "__main__":
    main()
