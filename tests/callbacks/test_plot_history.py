import sys

import numpy as np
import pytest

import torchkeras as keras
from torchkeras.utils.plot_history import plot_history

from .helpers import make_model



@pytest.fixture
def history(data):
    pytest.importorskip("matplotlib")
    x, y = data
    model = make_model(metrics=["mae"])
    return model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                     callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 0.05 / (e + 1))])


def _lines(ax):
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()}


def test_one_subplot_per_metric_with_train_and_validation(history):
    fig = plot_history(history)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["loss", "mae", "learning_rate"]
    lines = _lines(axes[0])
    assert lines["train"] == ([1, 2, 3], history.history["loss"])
    assert lines["validation"] == ([1, 2, 3], history.history["val_loss"])
    assert list(_lines(axes[2])) == ["train"]  # learning_rate has no validation curve
    assert len(fig.axes) == 4 and not fig.axes[3].get_visible()  # 2 x 2 grid, the last cell hidden


def test_selected_metrics_layout_and_file(history, tmp_path):
    target = tmp_path / "plots" / "history.png"
    fig = plot_history(history, metrics=["mae"], to_file=str(target), title="run 1", figsize=(4, 3), dpi=50)
    assert [ax.get_title() for ax in fig.axes] == ["mae"]
    np.testing.assert_allclose(_lines(fig.axes[0])["validation"][1], history.history["val_mae"])
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig._suptitle.get_text() == "run 1"
    fig = plot_history(history, metrics="loss", logy=True)
    assert fig.axes[0].get_yscale() == "log"
    fig = plot_history(history, ncols=3)
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (1, 3)


def test_history_dict_and_initial_epoch(data):
    pytest.importorskip("matplotlib")
    fig = plot_history({"loss": [3.0, 2.0], "val_loss": [4.0, 3.5], "accuracy": [0.5, 0.75]})
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert _lines(fig.axes[0])["train"] == ([1, 2], [3.0, 2.0])
    x, y = data
    model = make_model()
    history = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    fig = plot_history(history)
    assert _lines(fig.axes[0])["train"][0] == [3, 4]


def test_errors():
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match=r"Unknown metric\(s\) \['acc'\] in `metrics`: the history holds \['loss'\]"):
        plot_history({"loss": [1.0]}, metrics=["acc"])
    with pytest.raises(ValueError, match="The history is empty"):
        plot_history({})
    with pytest.raises(TypeError, match="`plot_history` expects the `History` object returned by `model.fit\\(\\)`"):
        plot_history([1.0, 2.0])


def test_missing_matplotlib_message(monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import matplotlib...` fail
    with pytest.raises(ImportError) as e:
        plot_history({"loss": [1.0]})
    assert str(e.value) == "You must install matplotlib (`pip install matplotlib`) for `plot_history` to work."
