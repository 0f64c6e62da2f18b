"""Run the classic Keras 2 example programs (keras-team/keras at 1a3ee84, `examples/`) on torchkeras.

Each example runs unchanged in its own Python process with `import keras` mapped to torchkeras, in a temporary
folder with its own `KERAS_HOME`. Downloads are replaced by small synthetic stand-ins (`keras.datasets.*`
loaders, `get_file`, the local text/image files some examples read, `weights="imagenet"` -> random weights),
and every run is cut short: `fit` runs one epoch of at most a few steps, and the few examples with their own
long loops get smaller loop counts (`TWEAKS`: run length only, never an API change).

    python tests/keras2/keras2_examples.py [--examples DIR] [NAME ...]

`DIR` holds the example files (`*.py`); `examples_dir()` says where they are looked for. Nothing of the
examples is part of this repository.
"""
import argparse
import functools
import importlib
import importlib.abc
import importlib.util
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time

COMMIT = "1a3ee8441933fc007be6b2beb47af67998d50737"
EXAMPLES = (
    "addition_rnn", "antirectifier", "babi_memnn", "babi_rnn", "cifar10_cnn", "cifar10_resnet",
    "class_activation_maps", "cnn_seq2seq", "conv_filter_visualization", "conv_lstm", "deep_dream", "image_ocr",
    "imdb_bidirectional_lstm", "imdb_cnn", "imdb_cnn_lstm", "imdb_fasttext", "imdb_lstm", "lstm_seq2seq",
    "lstm_seq2seq_restore", "lstm_stateful", "lstm_text_generation", "mnist_acgan", "mnist_cnn",
    "mnist_denoising_autoencoder", "mnist_hierarchical_rnn", "mnist_irnn", "mnist_mlp", "mnist_net2net",
    "mnist_siamese", "mnist_sklearn_wrapper", "mnist_swwae", "mnist_transfer_cnn", "neural_doodle",
    "neural_style_transfer", "pretrained_word_embeddings", "reuters_mlp", "reuters_mlp_relu_vs_selu",
    "variational_autoencoder", "variational_autoencoder_deconv",
)
# Examples that read what another example wrote (run first, in the same folder).
PREREQUISITES = {"lstm_seq2seq_restore": "lstm_seq2seq"}
# Smaller loop counts and sizes for examples with loops of their own: (pattern, replacement).
TWEAKS = {
    "addition_rnn": [(r"TRAINING_SIZE = 50000", "TRAINING_SIZE = 300"), (r"range\(1, 200\)", "range(1, 2)")],
    "cifar10_resnet": [(r"^n = 3$", "n = 1")],
    "conv_filter_visualization": [(r"visualize_layer\(vgg, LAYER_NAME\)",
                                   "visualize_layer(vgg, LAYER_NAME, epochs=2, upscaling_steps=1, "
                                   "output_dim=(48, 48), filter_range=(0, 4))")],
    "conv_lstm": [(r"range\(16\)", "range(2)"), (r"range\(15\)", "range(2)")],
    "deep_dream": [(r"iterations = 20 ", "iterations = 2 ")],
    "image_ocr": [(r"words_per_epoch = 16000", "words_per_epoch = 160"),
                  (r"train\(run_name, 20, 25, 512\)", "train(run_name, 1, 2, 160)"),
                  (r"train\(run_name, 0, 20, 128\)", "train(run_name, 0, 1, 128)"),
                  (r"rnn_size = 512", "rnn_size = 32")],
    "lstm_seq2seq": [(r"range\(100\)", "range(2)")],
    "lstm_seq2seq_restore": [(r"range\(100\)", "range(2)")],
    "cnn_seq2seq": [(r"nb_examples = 100", "nb_examples = 2")],
    "lstm_stateful": [(r"^epochs = 10$", "epochs = 1"), (r"input_len = 1000", "input_len = 100")],
    "lstm_text_generation": [(r"range\(400\)", "range(3)")],
    "mnist_acgan": [(r"epochs = 100", "epochs = 1"),
                    (r"num_batches = int\(np.ceil\(x_train.shape\[0\] / float\(batch_size\)\)\)",
                     "num_batches = 2"),
                    (r"num_train, num_test = x_train.shape\[0\], x_test.shape\[0\]",
                     "x_test, y_test = x_test[:100], y_test[:100]\n    "
                     "num_train, num_test = x_train.shape[0], x_test.shape[0]")],
    "reuters_mlp_relu_vs_selu": [(r"^epochs = 40$", "epochs = 1")],
    "neural_doodle": [(r"num_iterations = 50", "num_iterations = 1"), (r"maxfun=20", "maxfun=2")],
    "neural_style_transfer": [(r"img_nrows = 400", "img_nrows = 48"), (r"maxfun=20", "maxfun=2")],
}
# Fixes for the Python 3.7+, NumPy 2 and matplotlib 3.5 the examples predate (no Keras matter):
# (pattern, replacement).
PY3_FIXES = {
    # `re.split` yields None for empty optional groups since Python 3.7.
    "babi_memnn": [(r"if x.strip\(\)\]", "if x and x.strip()]")],
    "babi_rnn": [(r"if x.strip\(\)\]", "if x and x.strip()]")],
    # matplotlib 3.5+ refuses 31 tick positions for 30 labels (older versions ignored the extra one).
    "variational_autoencoder_deconv": [(r"end_range = n \* digit_size \+ start_range \+ 1",
                                        "end_range = (n - 1) * digit_size + start_range + 1")],
}
STEPS_CAP = 3


def examples_dir():
    """Where the example files are: `$KERAS2_EXAMPLES_DIR`, or None."""
    path = os.environ.get("KERAS2_EXAMPLES_DIR")
    if path and os.path.isfile(os.path.join(path, "mnist_mlp.py")):
        return path
    return None


def export_from_git(git_dir, target):
    """Write the examples of `COMMIT` from a clone of keras-team/keras (`git_dir`) into `target`."""
    os.makedirs(target, exist_ok=True)
    for name in EXAMPLES:
        source = subprocess.run(["git", "-C", git_dir, "show", f"{COMMIT}:examples/{name}.py"], check=True,
                                capture_output=True).stdout
        with open(os.path.join(target, name + ".py"), "wb") as f:
            f.write(source)
    return target


# --- in the example's process ----------------------------------------------------------------------------

class KerasAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import keras.x.y` gives the module `torchkeras.x.y` itself (one object under both names)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        real = "torchkeras" + fullname[len("keras"):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name and (e.name == real or real.startswith(e.name + ".")):
                raise ModuleNotFoundError(f"No module named '{fullname}' (torchkeras has no '{real}')",
                                          name=fullname) from None
            raise
        spec = importlib.util.spec_from_loader(fullname, self, is_package=hasattr(module, "__path__"))
        spec._torchkeras_module = module
        return spec

    def create_module(self, spec):
        module = spec._torchkeras_module
        spec._saved = (module.__spec__, getattr(module, "__loader__", None))
        return module

    def exec_module(self, module):
        spec = module.__spec__
        module.__spec__, module.__loader__ = spec._saved


def _rng():
    import numpy as np

    return np.random.default_rng(0)


def _balanced_labels(rng, n, classes):
    import numpy as np

    return rng.permutation(np.arange(n) % classes)


def _images(n, shape, classes, label_shape=None):
    import numpy as np

    rng = _rng()
    x = rng.integers(0, 256, (n,) + shape, dtype=np.uint8)
    y = _balanced_labels(rng, n, classes).astype(np.uint8)
    return x, (y.reshape(label_shape(n)) if label_shape else y)


def _word_sequences(n, num_words, maxlen, classes, start_char=1, oov_char=2, index_from=3, skip_top=0, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    vocab = num_words or 2000
    xs = []
    for _ in range(n):
        length = int(rng.integers(8, 120))
        seq = [start_char] + [int(w) for w in rng.integers(index_from, vocab, length)]
        if skip_top:
            seq = [w if w >= skip_top + index_from else oov_char for w in seq]
        xs.append(seq)
    if maxlen:
        xs = [s[:maxlen] for s in xs]
    out = np.empty(n, dtype=object)
    out[:] = xs
    return out, _balanced_labels(rng, n, classes).astype("int64")


def _install_data():
    import numpy as np

    from torchkeras.datasets import cifar10, imdb, mnist, reuters
    from torchkeras.utils import file_utils

    # Real sizes: the examples reshape with literal sample counts; `fit` is cut to a few steps.
    mnist.load_data = lambda path="mnist.npz": (_images(60000, (28, 28), 10), _images(10000, (28, 28), 10))
    cifar10.load_data = lambda: (_images(160, (32, 32, 3), 10, lambda n: (n, 1)),
                                 _images(64, (32, 32, 3), 10, lambda n: (n, 1)))

    def text_loader(classes):
        def load_data(path=None, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
                      index_from=3, **kwargs):
            train = _word_sequences(256, num_words, maxlen, classes, start_char, oov_char, index_from, skip_top)
            test = _word_sequences(96, num_words, maxlen, classes, start_char, oov_char, index_from, skip_top, 1)
            return train, test

        return load_data

    imdb.load_data = text_loader(2)
    reuters.load_data = text_loader(46)
    original_get_file = file_utils.get_file

    def get_file(fname=None, origin=None, untar=False, extract=False, cache_subdir="datasets", **kwargs):
        folder = os.path.join(os.environ["KERAS_HOME"], cache_subdir)
        os.makedirs(folder, exist_ok=True)
        maker = _FILES.get(fname)
        if maker is None:
            return original_get_file(fname, origin, untar=untar, extract=extract, cache_subdir=cache_subdir,
                                     **kwargs)
        return maker(folder, fname)

    file_utils.get_file = get_file
    import torchkeras.utils as utils_pkg

    utils_pkg.__dict__["get_file"] = get_file
    for name in ("torchkeras.utils.data_utils",):
        try:
            importlib.import_module(name).__dict__["get_file"] = get_file
        except ImportError:
            pass
    np.random.seed(0)


def _babi(folder, fname):
    import numpy as np

    rng = np.random.default_rng(0)
    people, places = ["Mary", "John", "Daniel", "Sandra"], ["bathroom", "hallway", "kitchen", "garden", "office"]

    def stories(n, two_facts):
        lines = []
        for _ in range(n):
            where, k = {}, 1
            for _ in range(int(rng.integers(2, 6))):
                p, q = people[int(rng.integers(4))], places[int(rng.integers(5))]
                where[p] = (q, k)
                lines.append(f"{k} {p} moved to the {q}.")
                k += 1
            p = next(iter(where))
            lines.append(f"{k} Where is {p}? \t{where[p][0]}\t{where[p][1]}")
        return ("\n".join(lines) + "\n").encode()

    path = os.path.join(folder, fname)
    with tarfile.open(path, "w:gz") as tar:
        for sub, two in (("en-10k/qa1_single-supporting-fact", False), ("en/qa2_two-supporting-facts", True)):
            for split, n in (("train", 120), ("test", 40)):
                data = stories(n, two)
                info = tarfile.TarInfo(f"tasks_1-20_v1-2/{sub}_{split}.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


_WORDS = ("the of and to in is that it was for on are with as his they be at one have this from or had by "
          "word but what some we can out other were all there when up use your how said an each she which do "
          "their time if will way about many then them write would like so these her long make thing see him "
          "two has look more day could go come did number sound no most people my over know water than call").split()


def _text(n_words, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return " ".join(_WORDS[int(i)] for i in rng.integers(0, len(_WORDS), n_words))


def _nietzsche(folder, fname):
    path = os.path.join(folder, fname)
    with open(path, "w", encoding="utf-8") as f:
        f.write(_text(700).upper())
    return path


def _wordlists(folder, fname):
    """image_ocr's word lists: it asks for 16,000 words of up to 4 letters, then 32,000 mixed ones."""
    import numpy as np

    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))

    def word(low, high):
        return "".join(letters[rng.integers(0, 26, int(rng.integers(low, high + 1)))])

    with open(os.path.join(folder, "wordlist_mono_clean.txt"), "w") as f:
        f.write("\n".join(word(1, 4) for _ in range(40000)) + "\n")
    with open(os.path.join(folder, "wordlist_bi_clean.txt"), "w") as f:
        f.write("\n".join(f"{word(1, 5)} {word(1, 5)}" for _ in range(40000)) + "\n")
    return os.path.join(folder, fname)


_FILES = {"babi-tasks-v1-2.tar.gz": _babi, "nietzsche.txt": _nietzsche, "wordlists.tgz": _wordlists}


def _install_applications():
    """`weights="imagenet"` is a download: the applications build with random weights instead."""
    import functools

    try:
        import torchkeras.applications as apps
    except ImportError:
        return
    for mod_name in ("vgg16", "vgg19", "inception_v3", "resnet50", "resnet"):
        try:
            mod = importlib.import_module(f"torchkeras.applications.{mod_name}")
        except ImportError:
            continue
        for attr in ("VGG16", "VGG19", "InceptionV3", "ResNet50", "ResNet101", "ResNet152"):
            fn = getattr(mod, attr, None)
            if fn is not None:
                def offline(*args, _fn=fn, **kwargs):
                    if kwargs.get("weights", "imagenet") == "imagenet":
                        kwargs["weights"] = None
                    return _fn(*args, **kwargs)

                functools.update_wrapper(offline, fn)
                setattr(mod, attr, offline)
                if getattr(apps, attr, None) is fn:
                    setattr(apps, attr, offline)


def _install_short_runs():
    """`fit` runs one epoch (past `initial_epoch`) of at most `STEPS_CAP` steps for generators/datasets."""
    from torchkeras.trainers.trainer import Trainer

    fit = Trainer.fit

    @functools.wraps(fit)
    def short_fit(self, x=None, y=None, *args, **kwargs):
        initial = kwargs.get("initial_epoch", 0) or 0
        if len(args) >= 2:
            args = list(args)
            args[1] = min(args[1], initial + 1)
        else:
            kwargs["epochs"] = min(kwargs.get("epochs", 1), initial + 1)
        if (isinstance(x, (list, tuple, dict)) or hasattr(x, "shape")) and not args and \
                kwargs.get("batch_size") is None:
            # Arrays: Keras 2's default batch (with `steps_per_epoch`, Keras 3 would make each batch
            # `len(x) / steps` samples).
            kwargs["batch_size"] = 32
        kwargs["steps_per_epoch"] = min(kwargs.get("steps_per_epoch") or STEPS_CAP, STEPS_CAP)
        kwargs["validation_steps"] = min(kwargs.get("validation_steps") or STEPS_CAP, STEPS_CAP)
        return fit(self, x, y, *args, **kwargs)

    Trainer.fit = short_fit
    evaluate = Trainer.evaluate

    @functools.wraps(evaluate)
    def short_evaluate(self, *args, **kwargs):
        x = args[0] if args else kwargs.get("x")
        if (isinstance(x, (list, tuple, dict)) or hasattr(x, "shape")) and len(args) < 3 and \
                kwargs.get("batch_size") is None:
            kwargs["batch_size"] = 32
        kwargs["steps"] = min(kwargs.get("steps") or STEPS_CAP, STEPS_CAP)
        return evaluate(self, *args, **kwargs)

    Trainer.evaluate = short_evaluate


def _write_image(path, size, seed=0):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(path)
    return path


def _doodle_mask(path, size, seed):
    import numpy as np
    from PIL import Image

    h, w = size
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = (255, 0, 0)
    img[h // 2:, : w // 2] = (0, 255, 0)
    img[h // 2:, w // 2:] = (0, 0, 255)
    Image.fromarray(np.roll(img, seed * 3, axis=1)).save(path)
    return path


def _prepare_folder(name, folder):
    """Local files an example reads, and its command-line arguments."""
    argv = []
    if name in ("lstm_seq2seq", "cnn_seq2seq", "lstm_seq2seq_restore"):
        import numpy as np

        os.makedirs(os.path.join(folder, "fra-eng"), exist_ok=True)
        rng = np.random.default_rng(0)
        with open(os.path.join(folder, "fra-eng", "fra.txt"), "w", encoding="utf-8") as f:
            for i in range(160):
                en = " ".join(_WORDS[int(k)] for k in rng.integers(0, 40, int(rng.integers(1, 4))))
                fr = " ".join(_WORDS[int(k)][::-1] for k in rng.integers(0, 40, int(rng.integers(1, 5))))
                licence = "" if name == "cnn_seq2seq" else f"\tCC-BY 2.0 (France) #{i}"  # its older fra.txt
                f.write(f"{en.capitalize()}.\t{fr.capitalize()} !{licence}\n")
    if name == "pretrained_word_embeddings":
        import numpy as np

        rng = np.random.default_rng(0)
        os.makedirs(os.path.join(folder, "glove.6B"), exist_ok=True)
        with open(os.path.join(folder, "glove.6B", "glove.6B.100d.txt"), "w") as f:
            for w in _WORDS:
                f.write(w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=100)) + "\n")
        for label in ("alt.atheism", "comp.graphics", "sci.space"):
            sub = os.path.join(folder, "20_newsgroup", label)
            os.makedirs(sub, exist_ok=True)
            for i in range(40):
                with open(os.path.join(sub, str(1000 + i)), "w", encoding="latin-1") as f:
                    f.write("From: someone\nSubject: synthetic\n\n" + _text(120, seed=i))
    if name == "deep_dream":
        argv = [_write_image(os.path.join(folder, "base.jpg"), (160, 160)), os.path.join(folder, "dream")]
    if name == "neural_style_transfer":
        argv = [_write_image(os.path.join(folder, "base.jpg"), (48, 64)),
                _write_image(os.path.join(folder, "style.jpg"), (48, 64), 1), os.path.join(folder, "nst"),
                "--iter", "1"]
    if name == "neural_doodle":
        argv = ["--nlabels", "3", "--style-image", _write_image(os.path.join(folder, "style.png"), (48, 48)),
                "--style-mask", _doodle_mask(os.path.join(folder, "style_mask.png"), (48, 48), 0),
                "--target-mask", _doodle_mask(os.path.join(folder, "target_mask.png"), (48, 48), 1),
                "--target-image-prefix", os.path.join(folder, "doodle")]
    if name == "class_activation_maps":
        argv = [_write_image(os.path.join(folder, "cat.jpg"), (224, 224))]
    return argv


def _numpy_aliases():
    """NumPy 1.24 removed `np.float`, `np.int`, ... which the examples use: restore them in this process."""
    import numpy as np

    for name, value in (("float", float), ("int", int), ("bool", bool), ("object", object), ("str", str)):
        if name not in np.__dict__:
            setattr(np, name, value)


def run_in_this_process(path, argv):
    """Run one example here (the child side of `run_example`)."""
    _numpy_aliases()
    sys.meta_path.insert(0, KerasAlias())
    _install_data()
    _install_applications()
    _install_short_runs()
    name = os.path.splitext(os.path.basename(path))[0]
    with open(path, encoding="utf-8") as f:
        source = f.read()
    for pattern, replacement in TWEAKS.get(name, []) + PY3_FIXES.get(name, []):
        source, count = re.subn(pattern, replacement, source, flags=re.M)
        if not count:
            raise RuntimeError(f"runner tweak {pattern!r} no longer matches {name}.py")
    sys.argv = [path] + list(argv)
    code = compile(source, path, "exec")
    exec(code, {"__name__": "__main__", "__file__": path})


def run_example(name, directory, folder, timeout=900):
    """Run `name` from `directory` in a fresh process in `folder`; returns (ok, seconds, tail of output)."""
    env = dict(os.environ)
    env.update({"KERAS_HOME": os.path.join(folder, "keras_home"), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
                "PYTHONWARNINGS": "ignore"})
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.makedirs(env["KERAS_HOME"], exist_ok=True)
    argv = _prepare_folder(name, folder)
    start = time.time()
    try:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child",
                               os.path.join(directory, name + ".py")] + argv, cwd=folder, env=env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or "") + (e.stderr or "") if isinstance(e.stdout, str) else ""
        return False, time.time() - start, out[-3000:] + f"\nTIMEOUT after {timeout}s"
    out = proc.stdout + proc.stderr
    return proc.returncode == 0, time.time() - start, out[-3000:]


def run_with_prerequisites(name, directory, timeout=900):
    with tempfile.TemporaryDirectory(prefix=f"keras2_{name}_") as folder:
        before = PREREQUISITES.get(name)
        if before is not None:
            ok, _, out = run_example(before, directory, folder, timeout)
            if not ok:
                return False, 0.0, f"prerequisite {before} failed:\n{out}"
        return run_example(name, directory, folder, timeout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    parser.add_argument("--examples", default=None)
    parser.add_argument("--git", default=None, help="a clone of keras-team/keras to export the examples from")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    if args.child:
        run_in_this_process(args.child[0], args.child[1:])
        return 0
    directory = args.examples or examples_dir()
    if directory is None and args.git:
        directory = export_from_git(args.git, tempfile.mkdtemp(prefix="keras2_examples_"))
    if directory is None:
        print("No examples: pass --examples DIR or --git CLONE, or set KERAS2_EXAMPLES_DIR.")
        return 2
    failed = 0
    for name in args.names or EXAMPLES:
        ok, seconds, out = run_with_prerequisites(name, directory, args.timeout)
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name} ({seconds:.0f}s)", flush=True)
        if not ok:
            print("    " + "\n    ".join(out.strip().splitlines()[-12:]), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
