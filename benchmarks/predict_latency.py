"""Latency of one small prediction: `model(x)`, `predict_on_batch(x)` and `predict(x)` against the same network
written directly in torch (`nn.Sequential`, its forward under `torch.no_grad()` for the predict paths). By hand:

    python benchmarks/predict_latency.py [--device cpu|cuda] [--batch 1] [--calls 2000] [--repeats 5]
                                         [--threads N] [--clock wall|cpu] [--no-keras] [--json F]

Network: the MLP of fit_overhead.py (784 -> Dense 512 relu -> Dense 10 softmax). Each contender is called
`calls` times per repeat (repeats interleaved); the table gives the best time per call, its ratio to raw torch, and
the median of the per-repeat ratios.
"""
import json
import os

import bench_common
import numpy as np
import torch


def main():
    parser = bench_common.parser(__doc__)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    args.repeats = max(args.repeats, 5)
    setup = bench_common.Setup(args)
    print(setup.header())
    torchkeras = setup.torchkeras
    device = torch.device(args.device)
    x_np = np.random.default_rng(0).standard_normal((args.batch, 784)).astype("float32")
    x = torch.from_numpy(x_np).to(device)

    def build(module):
        return module.Sequential([module.Input((784,)), module.layers.Dense(512, activation="relu"),
                                  module.layers.Dense(10, activation="softmax")])

    model = build(torchkeras)
    raw = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10),
                              torch.nn.Softmax(dim=-1)).to(device)
    with torch.no_grad():
        k1, b1, k2, b2 = [torch.as_tensor(w) for w in model.get_weights()]
        raw[0].weight.copy_(k1.t()), raw[0].bias.copy_(b1), raw[2].weight.copy_(k2.t()), raw[2].bias.copy_(b2)

    def raw_predict():
        with torch.no_grad():
            return raw(torch.from_numpy(x_np).to(device)).cpu().numpy()

    cases = {
        "raw torch forward (no_grad, numpy in/out)": raw_predict,
        "raw torch forward (module call)": lambda: raw(x),
        "torchkeras model(x)": lambda: model(x),
        "torchkeras predict_on_batch(x)": lambda: model.predict_on_batch(x_np),
        "torchkeras predict(x, verbose=0)": lambda: model.predict(x_np, verbose=0),
    }
    if setup.keras is not None:
        kmodel = build(setup.keras)
        kmodel.set_weights(model.get_weights())
        cases["keras 3 (torch) predict(x, verbose=0)"] = lambda: kmodel.predict(x_np, verbose=0)
    times = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            calls = args.calls if "keras 3" not in name else max(50, args.calls // 20)
            for _ in range(20):
                fn()
            setup.sync()
            start = setup.clock()
            for _ in range(calls):
                fn()
            setup.sync()
            times[name].append((setup.clock() - start) / calls)
    base = times["raw torch forward (no_grad, numpy in/out)"]
    base_call = times["raw torch forward (module call)"]
    print(f"\nMLP 784-512-10, batch {args.batch}: time per call (best of {args.repeats}; the median ratio pairs each "
          "repeat with the reference's run of the same repeat)")
    table = {}
    for name, ts in times.items():
        reference = base_call if name.endswith("model(x)") else base
        ratio = min(ts) / min(reference)
        median = float(np.median([t / r for t, r in zip(ts, reference)]))
        table[name] = {"us_per_call": min(ts) * 1e6, "ratio": ratio, "median_ratio": median}
        print(f"  {name:42s} {min(ts) * 1e6:9.1f} us  ratio {ratio:5.2f}x (median {median:5.2f}x)")
    print("  (model(x) is compared with the module call; the predict paths with the no_grad numpy round trip)")
    if args.json:
        existing = {}
        if os.path.exists(args.json):
            with open(args.json) as f:
                existing = json.load(f)
        existing[f"predict latency, batch {args.batch}"] = {"header": setup.header(), "results": table}
        with open(args.json, "w") as f:
            json.dump(existing, f, indent=1)


if __name__ == "__main__":
    main()
