"""`keras.utils.plot_history`: the training curves of a `History`, drawn with matplotlib."""
import math
import os

from torchkeras.api_export import keras_export


@keras_export("keras.utils.plot_history")
def plot_history(history, metrics=None, to_file=None, figsize=None, dpi=100, ncols=None, title=None,
                 logy=False):
    """Plot the loss and metrics recorded by `fit`: one subplot per metric, with the training curve and,
    when recorded, the validation (`val_*`) curve.

    Drawn with matplotlib's Agg canvas (no display needed, and pyplot's global state is left alone).

    Args:
        history: the `History` returned by `fit`, or its `history` dict (`{key: [one value per epoch]}`).
        metrics: the metrics to plot, by training name (`"loss"`, `"accuracy"`, ...). Defaults to every
            recorded metric, `loss` first.
        to_file: if given, the figure is also saved there (format from the extension, e.g. `.png`).
        figsize: the figure size in inches; defaults to 5 x 3.5 per subplot.
        dpi: resolution of the saved image.
        ncols: subplots per row; defaults to up to 2.
        title: an optional title over the whole figure.
        logy: use a logarithmic y axis (True for all subplots, or a list of metric names).

    Returns:
        The `matplotlib.figure.Figure`.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as e:
        raise ImportError("You must install matplotlib (`pip install matplotlib`) for `plot_history` to work.") \
            from e
    values, epochs = _history_values(history)
    names = _metric_names(values, metrics)
    ncols = ncols or min(len(names), 2)
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"`ncols` must be a positive integer. Received: ncols={ncols}")
    nrows = math.ceil(len(names) / ncols)
    if figsize is None:
        figsize = (5.0 * ncols, 3.5 * nrows)
    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.subplots(nrows, ncols, squeeze=False)
    log_names = set(names) if logy is True else set(logy or ())
    for index, name in enumerate(names):
        ax = axes[index // ncols][index % ncols]
        train = values.get(name)
        if train is not None:
            ax.plot(_epochs_for(epochs, train), train, marker="o", markersize=3, label="train")
        val = values.get("val_" + name)
        if val is not None:
            ax.plot(_epochs_for(epochs, val), val, marker="o", markersize=3, label="validation")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        if name in log_names:
            ax.set_yscale("log")
        ax.legend()
    for index in range(len(names), nrows * ncols):
        axes[index // ncols][index % ncols].set_visible(False)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    if to_file is not None:
        to_file = os.fspath(to_file)
        directory = os.path.dirname(to_file)
        if directory:
            os.makedirs(directory, exist_ok=True)
        figure.savefig(to_file, dpi=dpi)
    return figure


def _history_values(history):
    if isinstance(history, dict):
        return history, None
    values = getattr(history, "history", None)
    if not isinstance(values, dict):
        raise TypeError(
            "`plot_history` expects the `History` object returned by `model.fit()`, or its `history` dict. "
            f"Received: history={history!r} of type {type(history).__name__}"
        )
    return values, list(getattr(history, "epoch", None) or []) or None


def _metric_names(values, metrics):
    available = [k for k in values if not k.startswith("val_")]
    available += [k[4:] for k in values if k.startswith("val_") and k[4:] not in available]
    if metrics is None:
        names = sorted(available, key=lambda k: (k != "loss", available.index(k)))
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in names if m not in available]
        if unknown:
            raise ValueError(f"Unknown metric(s) {unknown} in `metrics`: the history holds {sorted(available)}.")
    if not names:
        raise ValueError("The history is empty: there is nothing to plot (was `fit` run for at least one epoch?).")
    return names


def _epochs_for(epochs, series):
    """1-based epoch numbers for the x axis (from `History.epoch` when it fits)."""
    if epochs is not None and len(epochs) == len(series):
        return [e + 1 for e in epochs]
    return list(range(1, len(series) + 1))
