"""How much does `fit` cost for an LSTM text classifier over a hand-written torch loop doing the same math?
Run by hand (not in CI):

    python benchmarks/lstm.py [--device cpu|cuda] [--repeats 3] [--epochs 2] [--samples 1280] [--threads N]
                              [--clock wall|cpu] [--no-keras] [--jit] [--precision mixed_bfloat16] [--json F]

Model: Embedding(20000, 128) -> LSTM(128) -> Dense(1, sigmoid), binary crossentropy, Adam(1e-3), sequences of
80 tokens, batch 32. Contenders, interleaved so that machine drift hits each alike:

1. a hand-written torch loop: the Keras-layout weights (`kernel (128, 512)`, `recurrent_kernel (128, 512)`,
   one bias) fed as views to `torch._VF.lstm`, Keras's probability clipping in the loss, `torch.optim.Adam`
   with the per-step epsilon that makes it Keras's Adam, the loss accumulated on the device;
2. torchkeras `fit`;
3. real Keras 3 `fit` on the torch backend, when it is installed.

It prints seconds per epoch (best of `repeats`) and the ratio to the hand-written loop (target <= 1.10x).
"""
import math

import bench_common
import numpy as np
import torch
import torch.nn.functional as F
from keras_math import keras_adam_step

VOCAB, EMBED, UNITS, SEQ, BATCH = 20000, 128, 128, 80, 32


def bce(y, p):
    p = p.clamp(1e-7, 1 - 1e-7)
    return F.binary_cross_entropy(p, y, reduction="none").mean(dim=-1).mean()


def hand_loop(setup, x, y, epochs, device):
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
    scaler = setup.scaler()
    start = setup.clock()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            with setup.autocast():
                h = F.embedding(xb, embeddings)
                h0 = torch.zeros(1, xb.shape[0], UNITS, device=device)
                out, _, _ = torch._VF.lstm(h, (h0, h0), [kernel, recurrent, bias, zero_bias], True, 1, 0.0,
                                           True, False, True)
                p = torch.sigmoid(F.linear(out[:, -1], dense_kernel, dense_bias).float())
                loss = bce(yb, p)
            total += loss.detach() * xb.shape[0]
            t += 1
            if scaler is None:
                loss.backward()
                keras_adam_step(opt, t)
            else:
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                keras_adam_step(opt, t, scaler)
            for q in params:
                q.grad = None
        float(total)  # one sync per epoch, as fit reads its epoch logs
    if device == "cuda":
        torch.cuda.synchronize()
    return (setup.clock() - start) / epochs


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


def main():
    parser = bench_common.parser(__doc__)
    parser.add_argument("--samples", type=int, default=BATCH * 40)
    setup = bench_common.Setup(parser.parse_args())
    print(setup.header())
    n = setup.args.samples
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB, (n, SEQ)).astype("int32")
    y = (rng.random((n, 1)) < 0.5).astype("float32")
    bench_common.run(setup, f"Embedding({VOCAB},{EMBED}) -> LSTM({UNITS}) -> Dense(1), seq {SEQ}, batch {BATCH}",
                     bench_common.steps_of(n, BATCH),
                     lambda: hand_loop(setup, x.astype("int64"), y, setup.args.epochs, setup.args.device), build,
                     x, y, BATCH)


if __name__ == "__main__":
    main()
