import os

import numpy as np
import pytest

import torchkeras as keras

from .helpers import ScriptedLogs
from .helpers import make_model


def _fit(data, callbacks, epochs=3, validation=True, batch_size=10):
    x, y = data
    model = make_model()
    kwargs = dict(validation_split=0.25) if validation else {}
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0, callbacks=callbacks,
                        **kwargs)
    return model, history


def test_filepath_template_with_epoch_and_logs(tmp_path, data):
    template = str(tmp_path / "ck_{epoch:02d}-{val_loss:.2f}.keras")
    model, history = _fit(data, [keras.callbacks.ModelCheckpoint(template)])
    expected = sorted(f"ck_{i + 1:02d}-{v:.2f}.keras" for i, v in enumerate(history.history["val_loss"]))
    assert sorted(os.listdir(tmp_path)) == expected


def test_saved_weights_are_the_epoch_weights(tmp_path, data):
    template = str(tmp_path / "w{epoch}.weights.h5")
    model, _ = _fit(data, [keras.callbacks.ModelCheckpoint(template, save_weights_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["w1.weights.h5", "w2.weights.h5", "w3.weights.h5"]
    other = make_model(seed=5)
    other.load_weights(str(tmp_path / "w3.weights.h5"))
    for got, want in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_whole_model_is_loadable(tmp_path, data):
    path = str(tmp_path / "model.keras")
    model, _ = _fit(data, [keras.callbacks.ModelCheckpoint(path)])
    loaded = keras.models.load_model(path)
    x, _ = data
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_missing_directories_are_created(tmp_path, data):
    path = tmp_path / "a" / "b" / "ck.weights.h5"
    _fit(data, [keras.callbacks.ModelCheckpoint(path, save_weights_only=True)], epochs=1)
    assert path.exists()


def test_save_best_only_messages_and_files(tmp_path, data, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    series = [0.5, 0.6, 0.625, 0.6]
    ck = keras.callbacks.ModelCheckpoint("best_{epoch}.weights.h5", monitor="val_accuracy", mode="max",
                                         save_best_only=True, save_weights_only=True, verbose=1)
    _fit(data, [ScriptedLogs("val_accuracy", series), ck], epochs=4)
    assert sorted(os.listdir(tmp_path)) == ["best_1.weights.h5", "best_2.weights.h5", "best_3.weights.h5"]
    assert capsys.readouterr().out == (
        "\nEpoch 1: val_accuracy improved from None to 0.50000, saving model to best_1.weights.h5\n"
        "\nEpoch 1: finished saving model to best_1.weights.h5\n"
        "\nEpoch 2: val_accuracy improved from 0.50000 to 0.60000, saving model to best_2.weights.h5\n"
        "\nEpoch 2: finished saving model to best_2.weights.h5\n"
        "\nEpoch 3: val_accuracy improved from 0.60000 to 0.62500, saving model to best_3.weights.h5\n"
        "\nEpoch 3: finished saving model to best_3.weights.h5\n"
        "\nEpoch 4: val_accuracy did not improve from 0.62500\n"
    )
    assert ck.best == 0.625


def test_initial_value_threshold(tmp_path, data):
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "b{epoch}.weights.h5"), monitor="score", mode="min",
                                         save_best_only=True, save_weights_only=True, initial_value_threshold=0.8)
    _fit(data, [ScriptedLogs("score", [0.9, 0.85, 0.7, 0.75]), ck], epochs=4)
    assert os.listdir(tmp_path) == ["b3.weights.h5"]


def test_save_best_only_without_the_monitor_warns_and_saves(tmp_path, data):
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "b{epoch}.weights.h5"), save_best_only=True,
                                         save_weights_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available."):
        _fit(data, [ck], epochs=2, validation=False)
    assert sorted(os.listdir(tmp_path)) == ["b1.weights.h5", "b2.weights.h5"]


def test_verbose_plain_saving_message(tmp_path, data, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _fit(data, [keras.callbacks.ModelCheckpoint("m.weights.h5", save_weights_only=True, verbose=1)], epochs=1)
    assert capsys.readouterr().out == ("\nEpoch 1: saving model to m.weights.h5\n"
                                       "\nEpoch 1: finished saving model to m.weights.h5\n")


def test_save_freq_in_batches_counts_across_epochs(tmp_path, data):
    # 30 training samples, batch 10: 3 batches per epoch; save every 2 batches -> global batches 2, 4, 6.
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "b_{epoch}_{batch}.weights.h5"), save_freq=2,
                                         save_weights_only=True)
    _fit(data, [ck], epochs=2)
    assert sorted(os.listdir(tmp_path)) == ["b_1_2.weights.h5", "b_2_1.weights.h5", "b_2_3.weights.h5"]


def test_save_freq_batches_can_format_batch_logs(tmp_path, data):
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "b{batch}-{loss:.3f}.weights.h5"), save_freq=3,
                                         save_weights_only=True)
    _fit(data, [ck], epochs=1)
    (name,) = os.listdir(tmp_path)
    assert name.startswith("b3-") and name.endswith(".weights.h5")


def test_keras2_period_saves_every_n_epochs(tmp_path, data):
    with pytest.warns(UserWarning, match="`period` argument is deprecated"):
        ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}.h5"), save_weights_only=True, period=2)
    _fit(data, [ck], epochs=5)
    assert sorted(os.listdir(tmp_path)) == ["w2.h5", "w4.h5"]


def test_keras2_hdf5_names_are_accepted(tmp_path, data):
    _fit(data, [keras.callbacks.ModelCheckpoint(str(tmp_path / "m.hdf5")),
                keras.callbacks.ModelCheckpoint(str(tmp_path / "w.hdf5"), save_weights_only=True)], epochs=1)
    assert sorted(os.listdir(tmp_path)) == ["m.hdf5", "w.hdf5"]


def test_load_weights_on_restart(tmp_path, data):
    x, y = data
    first = make_model(seed=1)
    path = str(tmp_path / "w{epoch}.weights.h5")
    first.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(path, save_weights_only=True)])
    second = make_model(seed=2)
    with pytest.warns(UserWarning, match="load_weights_on_restart"):
        ck = keras.callbacks.ModelCheckpoint(path, save_weights_only=True, load_weights_on_restart=True)
    seen = []
    loader = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append(second.get_weights()))
    second.fit(x, y, epochs=1, verbose=0, callbacks=[ck, loader])
    for got, want in zip(seen[0], first.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_extension_errors():
    with pytest.raises(ValueError) as e:
        keras.callbacks.ModelCheckpoint("w.ckpt", save_weights_only=True)
    assert str(e.value) == (
        "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in `.weights.h5` "
        "(Keras weights format). Received: filepath=w.ckpt"
    )
    with pytest.raises(ValueError) as e:
        keras.callbacks.ModelCheckpoint("model_dir")
    assert str(e.value) == ("The filepath provided must end in `.keras` (Keras model format). "
                            "Received: filepath=model_dir")


def test_bad_save_freq_and_unknown_kwarg():
    with pytest.raises(ValueError, match="Unrecognized save_freq: daily. Expected save_freq are 'epoch' or integer"):
        keras.callbacks.ModelCheckpoint("m.keras", save_freq="daily")
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        keras.callbacks.ModelCheckpoint("m.keras", bogus=1)


def test_missing_format_key_raises_keras_key_error(tmp_path, data):
    template = str(tmp_path / "ck_{val_acc:.2f}.keras")
    with pytest.raises(KeyError) as e:
        _fit(data, [keras.callbacks.ModelCheckpoint(template)], epochs=1)
    assert f'Failed to format this callback filepath: "{template}". Reason: ' in str(e.value)


def test_existing_directory_as_filepath(tmp_path, data):
    target = tmp_path / "dir.weights.h5"
    target.mkdir()
    with pytest.raises(IOError, match="Please specify a non-directory filepath for ModelCheckpoint"):
        _fit(data, [keras.callbacks.ModelCheckpoint(str(target), save_weights_only=True)], epochs=1)


def test_most_recent_file_matching_pattern(tmp_path):
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "batch{batch:02d}epoch{epoch:02d}.keras"))
    names = ["batch03epoch02.keras", "batch02epoch02.keras", "batch01epoch01.keras"]
    for i, name in enumerate(names):
        path = tmp_path / name
        path.write_text("x")
        os.utime(path, (1000 + i, 1000 + i))
    assert ck._get_most_recently_modified_file_matching_pattern(ck.filepath) == str(tmp_path / names[-1])
    for name in names:
        os.utime(tmp_path / name, (2000, 2000))
    assert ck._get_most_recently_modified_file_matching_pattern(ck.filepath) == str(tmp_path / names[0])
