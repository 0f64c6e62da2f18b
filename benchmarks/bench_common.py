"""What the fit benchmarks share: their command-line options, the precision of the hand-written loops, timing
of `fit` (eager and `jit_compile=True`, first epoch apart), the table and the JSON they write."""
import argparse
import contextlib
import json
import math
import os
import statistics
import time

import torch

os.environ.setdefault("KERAS_BACKEND", "torch")


def parser(description=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="cpu: process CPU time, steadier than wall time on a CPU machine shared with other jobs")
    p.add_argument("--no-keras", action="store_true", help="skip real Keras 3")
    p.add_argument("--jit", action="store_true", help="also time compile(jit_compile=True) (torchkeras and Keras)")
    p.add_argument("--precision", choices=["float32", "mixed_bfloat16", "mixed_float16"], default="float32",
                   help="the Keras dtype policy, and torch.autocast (+ loss scaling for float16) in the hand loop")
    p.add_argument("--json", help="also write the results to this JSON file")
    return p


class Setup:
    """The parsed options, the torchkeras module set up for them, and real Keras when it is wanted and there."""

    def __init__(self, args):
        self.args = args
        self.clock = time.process_time if args.clock == "cpu" else time.perf_counter
        if args.threads:
            torch.set_num_threads(args.threads)
        os.environ["TORCHKERAS_DEVICE"] = args.device
        import torchkeras

        torchkeras.backend.set_device(args.device)
        self.torchkeras = torchkeras
        self.keras = None
        if not args.no_keras:
            try:
                import keras

                self.keras = keras
            except ImportError:
                self.keras = None
        for module in (torchkeras, self.keras):
            if module is not None:
                module.config.set_dtype_policy(args.precision)

    def header(self):
        a = self.args
        return (f"device={a.device} torch={torch.__version__} threads={torch.get_num_threads()} "
                f"precision={a.precision} clock={a.clock}")

    def sync(self):
        if self.args.device.startswith("cuda"):
            torch.cuda.synchronize()

    # --- the hand-written loop's precision --------------------------------------------------------------
    def autocast(self):
        """The context the hand loop's forward pass and loss run in."""
        p = self.args.precision
        if p == "float32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if p == "mixed_bfloat16" else torch.float16
        return torch.autocast(self.args.device.split(":")[0], dtype=dtype)

    def scaler(self):
        """A torch GradScaler for float16 (what Keras's LossScaleOptimizer does), or None."""
        if self.args.precision != "mixed_float16":
            return None
        return torch.amp.GradScaler(self.args.device.split(":")[0])

    # --- fit ---------------------------------------------------------------------------------------------
    def fit_times(self, keras_module, build, x, y, batch_size, epochs, jit=False):
        """`(first epoch, later epochs per epoch)`: the first epoch (building, compiling) apart."""
        model = build(keras_module)
        if jit:
            # Real Keras's compiled steps share one dynamo cache across models, and its recompile limit (8)
            # would turn later repeats eager: each compiled run starts from an empty cache.
            torch._dynamo.reset()
            model.compile(optimizer=model.optimizer, loss=model.loss, jit_compile=True)
        start = self.clock()
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        self.sync()
        first = self.clock() - start
        start = self.clock()
        model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
        self.sync()
        return first, (self.clock() - start) / epochs


def contenders(setup):
    """The names of what runs in this benchmark, in table order."""
    names = ["hand-written torch", "torchkeras fit"]
    if setup.args.jit:
        names.append("torchkeras fit (jit_compile=True)")
    if setup.keras is not None:
        names.append("keras 3 (torch) fit")
        if setup.args.jit:
            names.append("keras 3 (torch) fit (jit_compile=True)")
    return names


def run(setup, title, steps, hand_loop, build, x, y, batch_size):
    """Time every contender, interleaved over the repeats (so load drift hits all alike); print the table."""
    args = setup.args
    results = {name: [] for name in contenders(setup)}
    first_epochs = {}
    for _ in range(args.repeats):
        results["hand-written torch"].append(hand_loop())
        for name in results:
            if name == "hand-written torch":
                continue
            module = setup.keras if name.startswith("keras 3") else setup.torchkeras
            first, per_epoch = setup.fit_times(module, build, x, y, batch_size, args.epochs, jit="jit" in name)
            results[name].append(per_epoch)
            first_epochs.setdefault(name, first)
    base_best = min(results["hand-written torch"])
    base_median = statistics.median(results["hand-written torch"])
    print(f"\n{title} ({steps} steps/epoch, {args.repeats} interleaved repeats)")
    table = {}
    for name, times in results.items():
        best, median = min(times), statistics.median(times)
        table[name] = {"s_per_epoch": best, "us_per_step": best / steps * 1e6, "ratio": best / base_best,
                       "median_ratio": median / base_median, "first_epoch_s": first_epochs.get(name)}
        first = f"  first epoch {first_epochs[name]:6.2f} s" if name in first_epochs else ""
        print(f"  {name:40s} {best * 1e3:8.1f} ms/epoch {best / steps * 1e6:9.1f} us/step  "
              f"ratio {best / base_best:5.2f}x (median {median / base_median:5.2f}x){first}")
    if args.json:
        existing = {}
        if os.path.exists(args.json):
            with open(args.json) as f:
                existing = json.load(f)
        existing[title] = {"header": setup.header(), "results": table}
        with open(args.json, "w") as f:
            json.dump(existing, f, indent=1)
    return table


def steps_of(n, batch_size):
    return math.ceil(n / batch_size)
