"""The prepared GPU check (run by `benchmarks/device_check.sh`): one script, under 8 minutes, one JSON and a table.

On a machine with one CUDA GPU (PyTorch installed, no network) it runs:
1. the unit tests with CUDA as the default device (torchkeras picks CUDA when present; the `device` fixture also
   runs the device-parametrized tests on it), within a time budget;
2. the fit benchmarks against the hand-written loop on CUDA: the tiny Dense and the MLP (float32, bfloat16
   autocast, float16 with loss scaling), the channels_last convnet (float32, bfloat16) and the cuDNN LSTM
   (float32, float16);
3. predict latency against raw torch;
4. the array data paths: data resident on the device, and data staged through pinned host buffers (the
   resident-size limit lowered to 0), which must train to the same weights;
5. DistributedDataParallel with 1 process on nccl (`torchrun --nproc-per-node=1`);
6. `jit_compile=True` (CUDA graphs) against eager on the tiny model.
Without CUDA it runs a short CPU subset of the tests and says which parts were skipped.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _run(cmd, timeout, env=None):
    start = time.time()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
        out = proc.stdout + proc.stderr
        status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        status = f"timed out after {timeout} s"
    return status, out, time.time() - start


def check_tests(cuda, budget):
    targets = ["tests"] if cuda else ["tests/trainers", "tests/data"]
    status, out, seconds = _run([sys.executable, "-m", "pytest", *targets, "-x", "-p", "no:cacheprovider",
                                 "-W", "ignore"], timeout=budget)
    summary = [line for line in out.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    failures = [line for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))][:10]
    return {"status": status, "targets": targets, "summary": summary[-1] if summary else out[-300:],
            "failures": failures, "seconds": round(seconds, 1)}


def check_benchmarks(json_path, budget_each, device="cuda"):
    runs = [
        ("fit_overhead.py", "float32"), ("fit_overhead.py", "mixed_bfloat16"), ("fit_overhead.py", "mixed_float16"),
        ("convnet.py", "float32"), ("convnet.py", "mixed_bfloat16"),
        ("lstm.py", "float32"), ("lstm.py", "mixed_float16"),
    ]
    results = {}
    for script, precision in runs:
        status, out, seconds = _run([sys.executable, os.path.join(HERE, script), "--device", device, "--repeats", "2",
                                     "--epochs", "2", "--precision", precision, "--json", json_path + f".{precision}",
                                     "--no-keras"], timeout=budget_each)
        results[f"{script} {precision}"] = {"status": status, "seconds": round(seconds, 1),
                                            "table": [l for l in out.splitlines() if "ratio" in l or "steps/epoch" in l]}
    return results


def check_predict(json_path, budget, device="cuda"):
    status, out, seconds = _run([sys.executable, os.path.join(HERE, "predict_latency.py"), "--device", device,
                                 "--calls", "500", "--no-keras", "--json", json_path], timeout=budget)
    return {"status": status, "seconds": round(seconds, 1), "table": [l for l in out.splitlines() if "ratio" in l]}


# --- checks that run inside this process (on CUDA) ---------------------------------------------------------
def _sync():
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _mlp(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy")
    return model


def check_data_paths():
    import numpy as np
    import torch

    import torchkeras as keras
    from torchkeras.trainers.data_adapters import array_data_adapter

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8192, 64)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 8192)]
    out = {}
    weights = {}
    for name, limit in (("resident on the device", array_data_adapter._GPU_RESIDENT_BYTES), ("pinned staging", 0)):
        saved = array_data_adapter._GPU_RESIDENT_BYTES
        array_data_adapter._GPU_RESIDENT_BYTES = limit
        try:
            model = _mlp(keras)
            adapter = array_data_adapter.ArrayDataAdapter(x, y, batch_size=128)
            model.fit(x, y, batch_size=128, epochs=1, shuffle=False, verbose=0)  # warm-up
            _sync()
            start = time.perf_counter()
            model.fit(x, y, batch_size=128, epochs=3, shuffle=False, verbose=0)
            _sync()
            seconds = (time.perf_counter() - start) / 3
            out[name] = {"staged": adapter._transfer, "s_per_epoch": seconds, "us_per_step": seconds / 64 * 1e6}
            weights[name] = model.get_weights()
        finally:
            array_data_adapter._GPU_RESIDENT_BYTES = saved
    a, b = weights.values()
    out["same weights"] = all(np.allclose(u, v, rtol=1e-5, atol=1e-6) for u, v in zip(a, b))
    return out


def check_jit():
    import warnings

    import numpy as np
    import torch

    import torchkeras as keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32 * 200, 10)).astype("float32")
    y = rng.standard_normal((32 * 200, 1)).astype("float32")
    out = {}
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(10)])
        model.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=jit)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            model.fit(x, y, batch_size=32, epochs=1, verbose=0)
            _sync()
            first = time.perf_counter() - start
            start = time.perf_counter()
            model.fit(x, y, batch_size=32, epochs=3, verbose=0)
            _sync()
        steady = (time.perf_counter() - start) / 3
        fallback = [str(w.message)[:200] for w in caught if "jit_compile=True" in str(w.message)]
        out["jit_compile=True" if jit else "eager"] = {"first_epoch_s": first, "us_per_step": steady / 200 * 1e6,
                                                       "fallback": fallback}
    out["ratio (jit / eager)"] = out["jit_compile=True"]["us_per_step"] / out["eager"]["us_per_step"]
    return out


def check_ddp(budget):
    status, out, seconds = _run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=1",
                                 os.path.abspath(__file__), "--role", "ddp"], timeout=budget)
    found = re.search(r"DDP_RESULT (.*)", out)
    return {"status": status, "seconds": round(seconds, 1),
            "result": json.loads(found.group(1)) if found else out[-500:]}


def ddp_role():
    import numpy as np
    import torch
    import torch.distributed as dist

    import torchkeras as keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((1024, 64)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 1024)]
    model = _mlp(keras)
    history = model.fit(x, y, batch_size=128, epochs=2, verbose=0)
    result = {"backend": dist.get_backend() if dist.is_initialized() else None,
              "world_size": dist.get_world_size() if dist.is_initialized() else 1,
              "device": str(next(model.parameters()).device), "loss": history.history["loss"],
              "ddp_wrapper": "_ddp_wrapper" in model.__dict__, "cuda": torch.cuda.is_available()}
    print("DDP_RESULT " + json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="device_check_out")
    parser.add_argument("--role", default=None)
    parser.add_argument("--test-budget", type=int, default=240, help="seconds for the unit tests")
    parser.add_argument("--all-on-cpu", action="store_true",
                        help="run every part on the CPU (to try the script itself on a machine without CUDA)")
    args = parser.parse_args()
    if args.role == "ddp":
        return ddp_role()
    import torch

    os.makedirs(args.out, exist_ok=True)
    cuda = torch.cuda.is_available()
    report = {"environment": {
        "python": sys.version.split()[0], "torch": torch.__version__, "cuda": cuda,
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "cudnn": torch.backends.cudnn.version() if cuda else None,
        "bf16": bool(cuda and torch.cuda.is_bf16_supported()),
        "cpu_threads": torch.get_num_threads()}}
    started = time.time()
    report["tests"] = check_tests(cuda, args.test_budget)
    if cuda or args.all_on_cpu:
        device = "cuda" if cuda else "cpu"
        json_path = os.path.join(args.out, "benchmarks.json")
        report["fit benchmarks"] = check_benchmarks(json_path, budget_each=45 if cuda else 300, device=device)
        report["predict latency"] = check_predict(json_path, budget=45 if cuda else 300, device=device)
        report["array data paths"] = check_data_paths()
        report["ddp 1 process nccl"] = check_ddp(budget=60)
        report["jit_compile (CUDA graphs)"] = check_jit()
    else:
        for part in ("fit benchmarks", "predict latency", "array data paths", "ddp 1 process nccl",
                     "jit_compile (CUDA graphs)"):
            report[part] = "skipped: no CUDA device on this machine"
    report["seconds"] = round(time.time() - started, 1)
    with open(os.path.join(args.out, "device_check.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    lines = [f"device check: {report['environment']['device']} (torch {torch.__version__}), "
             f"{report['seconds']} s"]
    for part, value in report.items():
        if part in ("environment", "seconds"):
            continue
        if isinstance(value, str):
            lines.append(f"- {part}: {value}")
            continue
        lines.append(f"- {part}:")
        if part == "tests":
            lines.append(f"    {value['status']}: {value['summary']} ({value['seconds']} s)")
            lines.extend(f"    {f}" for f in value["failures"])
        elif part == "fit benchmarks":
            for name, run in value.items():
                lines.append(f"    {name}: {run['status']}")
                lines.extend(f"      {row.strip()}" for row in run["table"])
        elif part == "predict latency":
            lines.append(f"    {value['status']}")
            lines.extend(f"      {row.strip()}" for row in value["table"])
        else:
            lines.append("    " + json.dumps(value, default=str))
    text = "\n".join(lines)
    with open(os.path.join(args.out, "device_check.txt"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
