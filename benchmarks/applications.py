"""Inference of keras.applications ResNet50 and MobileNetV2 (batch 32, 224x224, channels_last, CPU): torchkeras
against the same networks written directly in torch (torchvision's resnet50 / mobilenet_v2, channels_last memory
format) and against real Keras 3 on torch, in one run. By hand:

    python benchmarks/applications.py [--models resnet50 mobilenet_v2] [--batch 32] [--batches 2] [--repeats 5]
                                      [--threads N] [--clock wall|cpu] [--no-keras]

torchvision must be importable beside torch (it is not in the project's venv: use a venv with matching torch and
torchvision wheels, plus `pip install -e . --no-deps`, numpy, h5py and keras).

Contenders, each timed over `--batches` batches of `--batch` images after a warm-up, interleaved (repeat r runs
all of them, so load drift on a shared machine hits every one alike); the table reports medians and ratios to
torchvision:
  - torchkeras `model.predict(x, batch_size=32)` and the direct call `model(x)` under `torch.inference_mode()`,
    on NHWC tensors;
  - torchvision's network in `eval()`, `channels_last`, on the same NHWC memory seen as NCHW, under
    `torch.inference_mode()`. torchvision's resnet50 is ResNet v1.5 (stride 2 on the 3x3 convolutions, no
    convolution biases): about 4.1 GFLOPs per image against Keras's ResNet50 v1 3.9 GFLOPs; the row
    "torchvision (Keras strides)" moves the strides to the 1x1 convolutions as Keras has them (same FLOPs);
  - real Keras 3 (torch backend) `model.predict(x, batch_size=32)`.
All use the same torch thread count (`--threads`, default torch's). On a loaded machine, `--threads 1 --clock cpu`
(one thread, process CPU time) gives the steadiest ratios.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")

CLOCK = time.perf_counter


def timed(fn, batches):
    fn()  # warm-up: first calls, allocator, oneDNN primitive caches
    start = CLOCK()
    for _ in range(batches):
        fn()
    return (CLOCK() - start) / batches


def torchvision_net(name, keras_strides=False):
    import torchvision

    net = getattr(torchvision.models, name)(weights=None).eval()
    if keras_strides:  # ResNet v1: the stride on the first 1x1 convolution of a block, not on the 3x3
        for stage in (net.layer2, net.layer3, net.layer4):
            block = stage[0]
            block.conv1.stride, block.conv2.stride = block.conv2.stride, (1, 1)
    return net.to(memory_format=torch.channels_last)


def contenders(name, batch, use_keras):
    import torchkeras

    x = np.random.RandomState(0).rand(batch, 224, 224, 3).astype("float32")
    x_t = torch.from_numpy(x)
    x_nchw = x_t.permute(0, 3, 1, 2)  # channels_last memory seen as NCHW: no copy
    app = {"resnet50": "ResNet50", "mobilenet_v2": "MobileNetV2"}[name]
    tk_model = getattr(torchkeras.applications, app)(weights=None)

    def tk_call():
        with torch.inference_mode():
            return tk_model(x_t)

    runs = {
        "torchkeras predict": lambda: tk_model.predict(x, batch_size=batch, verbose=0),
        "torchkeras call": tk_call,
    }
    nets = {"torchvision": torchvision_net(name)}
    if name == "resnet50":
        nets["torchvision (Keras strides)"] = torchvision_net(name, keras_strides=True)
    for label, net in nets.items():
        def tv_call(net=net):
            with torch.inference_mode():
                return net(x_nchw)

        runs[label] = tv_call
    if use_keras:
        import keras

        k_model = getattr(keras.applications, app)(weights=None)
        runs["keras 3 predict"] = lambda: k_model.predict(x, batch_size=batch, verbose=0)
    return runs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=["resnet50", "mobilenet_v2"])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=2, help="timed batches per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, steadier than wall time on a CPU machine shared with other jobs")
    parser.add_argument("--no-keras", action="store_true", help="skip real Keras 3")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ["TORCHKERAS_DEVICE"] = "cpu"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, clock {args.clock}, batch {args.batch}, "
          f"{args.batches} batches x {args.repeats} repeats")
    for name in args.models:
        runs = contenders(name, args.batch, not args.no_keras)
        times = {label: [] for label in runs}
        for _ in range(args.repeats):
            for label, fn in runs.items():
                times[label].append(timed(fn, args.batches))
        base = statistics.median(times["torchvision"])
        print(f"\n{name}: seconds per batch of {args.batch} (median of {args.repeats}), ratio to torchvision")
        for label, ts in times.items():
            med = statistics.median(ts)
            print(f"  {label:30s} {med:8.3f} s   best {min(ts):8.3f} s   {med / base:5.2f}x")


if __name__ == "__main__":
    main()
