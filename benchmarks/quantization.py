"""Memory and CPU inference time of a quantized model against float32 (keras.io "quantization overview").
By hand:

    python benchmarks/quantization.py [--device cpu|cuda] [--repeats 5] [--batch 32] [--threads N]
                                      [--clock wall|cpu]

Models: an MLP (1024 -> 4096 -> 4096 -> 1024, relu; 25.2M parameters) and a transformer block (sequence 128,
width 512, 8 heads, MultiHeadAttention + a 2048-wide feed-forward; 3.1M parameters). Each is quantized with
`model.quantize(mode)` for int8, int4 (block size 128, and per channel) and float8, and compared with the same
float32 weights: bytes held by the model's variables (what `summary()` reports), and the time of one forward
pass (`model(x)` under `torch.no_grad`). Contenders run interleaved, repeat after repeat, so load drift on a
shared machine hits every one alike; the table reports the median and the best.
"""
import argparse
import statistics
import time

import numpy as np
import torch

import torchkeras as keras
from torchkeras import quantizers

MODES = [("float32", None), ("int8", None), ("int4 (block 128)", quantizers.Int4QuantizationConfig(block_size=128)),
         ("int4 (per channel)", quantizers.Int4QuantizationConfig(block_size=None)), ("float8", None)]


def mlp():
    return keras.Sequential([keras.Input((1024,)), keras.layers.Dense(4096, activation="relu"),
                             keras.layers.Dense(4096, activation="relu"), keras.layers.Dense(1024)])


def transformer_block():
    inputs = keras.Input((128, 512))
    attended = keras.layers.MultiHeadAttention(8, 64)(inputs, inputs)
    x = keras.layers.LayerNormalization()(inputs + attended)
    ff = keras.layers.Dense(512)(keras.layers.Dense(2048, activation="relu")(x))
    return keras.Model(inputs, keras.layers.LayerNormalization()(x + ff))


def weight_bytes(model):
    return sum(v.numel() * v.element_size() for v in model.weights)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    torch.manual_seed(0)
    for build, shape in ((mlp, (args.batch, 1024)), (transformer_block, (args.batch // 4, 128, 512))):
        base = build()
        x = torch.tensor(np.random.default_rng(0).standard_normal(shape).astype("float32")).to(args.device)
        models = {}
        for name, config in MODES:
            model = base
            if name != "float32":
                model = build()
                model.set_weights(base.get_weights())
                model.quantize(name.split()[0], config=config)
            models[name] = model.to(args.device) if args.device != "cpu" else model
        reference = base(x).detach()
        times = {name: [] for name in models}
        with torch.no_grad():
            for name, model in models.items():
                model(x)  # warm up
            for _ in range(args.repeats):
                for name, model in models.items():
                    if args.device == "cuda":
                        torch.cuda.synchronize()
                    start = clock()
                    model(x)
                    if args.device == "cuda":
                        torch.cuda.synchronize()
                    times[name].append(clock() - start)
        print(f"\n{build.__name__}: {base.count_params():,} parameters, input {tuple(shape)}, device {args.device}, "
              f"torch threads {torch.get_num_threads()}, clock {args.clock}")
        print(f"{'mode':20s} {'weights MB':>10s} {'x float32':>9s} {'median ms':>10s} {'best ms':>8s} "
              f"{'x float32':>9s} {'max |out - float32|':>20s}")
        f32 = statistics.median(times["float32"])
        for name, model in models.items():
            median = statistics.median(times[name])
            with torch.no_grad():
                error = float((model(x) - reference).abs().max())
            print(f"{name:20s} {weight_bytes(model) / 2**20:10.1f} {weight_bytes(model) / weight_bytes(base):9.3f} "
                  f"{median * 1e3:10.2f} {min(times[name]) * 1e3:8.2f} {median / f32:9.2f} {error:20.4f}")


if __name__ == "__main__":
    main()
