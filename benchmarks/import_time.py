"""Import time of torchkeras against `import torch` alone, as whole processes (issue 14, item 3).

    python benchmarks/import_time.py [--repeats 10] [--other /path/to/another/checkout]

Each round runs every case once, in a shuffled order, each in a fresh interpreter; the table gives the median
wall time and the median CPU time (user + system, less sensitive to a loaded machine) over the rounds, and their
ratios to `import torch`. `--other` adds the same torchkeras cases for another
checkout (e.g. main), measured in the same rounds. Bytecode is cached (in a temporary `PYTHONPYCACHEPREFIX`,
after one warm-up run of each case) even where `PYTHONDONTWRITEBYTECODE` is set, as an installed package has it.
"""
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = {
    "torch": "import torch",
    "torchkeras + layers, models": "import torchkeras; torchkeras.layers; torchkeras.models",
    "... + Dense, Sequential, Model": ("import torchkeras as keras; keras.layers.Dense; keras.Sequential; "
                                       "keras.Model"),
}


_CACHE = tempfile.mkdtemp(prefix="torchkeras_import_time_")


def run_once(code, root):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=root, PYTHONPYCACHEPREFIX=os.path.join(_CACHE, str(abs(hash(root)))))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=root)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--other", help="another checkout to measure in the same rounds")
    args = parser.parse_args()
    roots = {"": HERE}
    if args.other:
        roots[" [other]"] = os.path.abspath(args.other)
    jobs = [(label + suffix, code, root) for suffix, root in roots.items() for label, code in CASES.items()
            if not (suffix and label == "torch")]
    times = {label: [] for label, _, _ in jobs}
    for _, code, root in jobs:
        run_once(code, root)  # warm-up: writes the bytecode
    for _ in range(args.repeats):
        random.shuffle(jobs)
        for label, code, root in jobs:
            times[label].append(run_once(code, root))
    base_wall = statistics.median(w for w, _ in times["torch"])
    base_cpu = statistics.median(c for _, c in times["torch"])
    print(f"{'':42s} {'wall (median)':>22s}   {'CPU user+sys (median)':>24s}")
    for label, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"{label:42s} {wall:7.3f} s {wall / base_wall:5.2f}x torch   {cpu:7.3f} s {cpu / base_cpu:5.2f}x torch"
              f"   (n={len(values)})")


if __name__ == "__main__":
    main()
