"""Latency of one small prediction: `model(x)`, `predict_on_batch(x)` and `predict(x)` against the same network
written directly in torch (`nn.Sequential`, its forward under `torch.no_grad()` for the predict paths). By hand:

    python benchmarks/predict_latency.py [--device cpu|cuda] [--batch 1] [--calls 2000] [--repeats 5]
                                         [--threads N] [--clock wall|cpu] [--no-keras] [--json F]

Network: the MLP of fit_overhead.py (784 -> Dense 512 relu -> Dense 10 softmax). Each contender is called
`calls` times per repeat (repeats interleaved); the table gives the best time per call and the ratio to raw torch.
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
    best = {name: float("inf") for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            for _ in range(20):
                fn()
            setup.sync()
            start = setup.clock()
            for _ in range(args.calls if "keras 3" not in name else max(50, args.calls // 20)):
                fn()
            setup.sync()
            calls = args.calls if "keras 3" not in name else max(50, args.calls // 20)
            best[name] = min(best[name], (setup.clock() - start) / calls)
    base = best["raw torch forward (no_grad, numpy in/out)"]
    base_call = best["raw torch forward (module call)"]
    print(f"\nMLP 784-512-10, batch {args.batch}: time per call (best of {args.repeats})")
    table = {}
    for name, t in best.items():
        reference = base_call if name.endswith("model(x)") else base
        table[name] = {"us_per_call": t * 1e6, "ratio": t / reference}
        print(f"  {name:42s} {t * 1e6:9.1f} us  ratio {t / reference:5.2f}x")
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
