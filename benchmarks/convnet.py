"""The Keras MNIST convnet trained with torchkeras `fit`, a hand-written torch loop and real Keras 3. By hand:

    python benchmarks/convnet.py [--device cpu|cuda] [--repeats 3] [--n 2560] [--epochs 2] [--threads N]
                                 [--clock wall|cpu] [--no-keras] [--jit] [--precision mixed_bfloat16] [--json F]

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
import math

import bench_common
import numpy as np
import torch
import torch.nn.functional as F
from keras_math import cce, keras_adam_step

BATCH = 128


def glorot(shape, fan_in, fan_out, device):
    limit = math.sqrt(6 / (fan_in + fan_out))
    return torch.empty(shape, device=device).uniform_(-limit, limit).requires_grad_()


def hand_loop(setup, x, y, epochs, device):
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
    scaler = setup.scaler()
    start = setup.clock()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            with setup.autocast():
                h = xb.permute(0, 3, 1, 2)  # NHWC memory seen as NCHW: channels_last
                h = F.max_pool2d(F.relu(F.conv2d(h, w1, b1)), 2)
                h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2)), 2)
                h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # Keras's Flatten order (H, W, C)
                h = F.dropout(h, 0.5, training=True)
                p = F.softmax(F.linear(h, w3, b3).float(), dim=-1)
                loss = cce(yb, p)
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


def main():
    parser = bench_common.parser(__doc__)
    parser.add_argument("--n", type=int, default=BATCH * 20, help="training samples")
    setup = bench_common.Setup(parser.parse_args())
    print(setup.header() + f" mkldnn={torch.backends.mkldnn.is_available()}")
    n = setup.args.n
    rng = np.random.default_rng(0)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, n)]
    bench_common.run(setup, f"MNIST convnet, batch {BATCH}", bench_common.steps_of(n, BATCH),
                     lambda: hand_loop(setup, x, y, setup.args.epochs, setup.args.device), build, x, y, BATCH)


if __name__ == "__main__":
    main()
