"""Callbacks side by side: the same deterministic run (same initial weights, shuffle=False) in real Keras 3 and
torchkeras gives the same epochs, restored weights, learning rates, CSV files, checkpoint names and messages."""
import json
import os

import numpy as np
import pytest

import keras

import torchkeras

LIBS = {"keras": keras, "torchkeras": torchkeras}


# --- helpers -------------------------------------------------------------------------------------------------


def make_data(n=48, seed=0):
    """A small noisy regression whose validation loss falls for 3 epochs, then rises (SGD(0.3), batch 8)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    y = (np.sin(3 * x[:, :1]) + 0.3 * rng.standard_normal((n, 1))).astype("float32")
    return x, y


def make_pair(lr=0.3, metrics=None, optimizer=None):
    """`{name: compiled model}`, the torchkeras weights copied from Keras's."""
    models = {}
    for name, lib in LIBS.items():
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(8, activation="relu"), lib.layers.Dense(1)])
        model.compile(optimizer(lib) if optimizer is not None else lib.optimizers.SGD(lr), "mse", metrics=metrics)
        models[name] = model
    models["torchkeras"].set_weights(models["keras"].get_weights())
    return models


def scripted(lib, key, values):
    """A callback of `lib` that sets `logs[key] = values[epoch]` at each epoch end."""

    class Scripted(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs[key] = float(values[epoch])

    return Scripted()


def run_both(make_callbacks, epochs=6, validation=True, data=None, capsys=None, models=None, **fit_kwargs):
    """Fit both models with `make_callbacks(lib)`; returns {name: (model, history, callbacks, stdout)}."""
    x, y = data if data is not None else make_data()
    models = models or make_pair()
    out = {}
    for name, lib in LIBS.items():
        callbacks = make_callbacks(lib)
        kwargs = dict(validation_split=0.25) if validation else {}
        kwargs.update(fit_kwargs)
        history = models[name].fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0, callbacks=callbacks,
                                   **kwargs)
        printed = capsys.readouterr().out if capsys is not None else None
        out[name] = (models[name], history, callbacks, printed)
    return out


def assert_weights_close(a, b):
    assert len(a) == len(b)
    for wa, wb in zip(a, b):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


# --- EarlyStopping -------------------------------------------------------------------------------------------


def test_early_stopping_on_real_val_loss_restores_the_same_weights(capsys):
    runs = run_both(lambda lib: [lib.callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)],
                    epochs=12, capsys=capsys)
    (km, kh, (kes,), kout), (tm, th, (tes,), tout) = runs["keras"], runs["torchkeras"]
    assert th.epoch == kh.epoch == [0, 1, 2, 3, 4]
    assert (tes.stopped_epoch, tes.best_epoch) == (kes.stopped_epoch, kes.best_epoch) == (4, 2)
    np.testing.assert_allclose(th.history["val_loss"], kh.history["val_loss"], rtol=1e-5)
    assert_weights_close(tm.get_weights(), km.get_weights())
    assert tout == kout == "Epoch 5: early stopping\nRestoring model weights from the end of the best epoch: 3.\n"


SERIES = [1.0, 0.9, 0.95, 0.91, 0.89, 0.92, 0.93, 0.94, 0.95, 0.96]


@pytest.mark.parametrize("kwargs", [
    dict(patience=0), dict(patience=2), dict(patience=2, min_delta=0.05), dict(patience=1, baseline=0.85),
    dict(patience=1, start_from_epoch=3), dict(patience=3, mode="max"), dict(patience=1, baseline=0.95),
])
def test_early_stopping_rules_on_a_scripted_series(kwargs):
    kwargs.setdefault("mode", "min")
    runs = run_both(lambda lib: [scripted(lib, "score", SERIES), lib.callbacks.EarlyStopping(
        monitor="score", restore_best_weights=True, **kwargs)], epochs=10, validation=False)
    (km, kh, kcb, _), (tm, th, tcb, _) = runs["keras"], runs["torchkeras"]
    assert th.epoch == kh.epoch
    assert (tcb[1].stopped_epoch, tcb[1].best_epoch, tcb[1].wait) == (kcb[1].stopped_epoch, kcb[1].best_epoch,
                                                                       kcb[1].wait)
    assert_weights_close(tm.get_weights(), km.get_weights())


@pytest.mark.parametrize("monitor, metrics", [("val_mae", ["mae"]), ("val_mean_squared_error", ["mean_squared_error"]),
                                              ("loss", None)])
def test_early_stopping_auto_mode_direction(monitor, metrics):
    runs = run_both(lambda lib: [lib.callbacks.EarlyStopping(monitor=monitor, patience=1)], epochs=12,
                    models=make_pair(metrics=metrics))
    assert runs["torchkeras"][2][0].monitor_op(1, 2) == bool(runs["keras"][2][0].monitor_op(1, 2))
    assert runs["torchkeras"][1].epoch == runs["keras"][1].epoch


def test_auto_mode_error_message_matches():
    errors = {}
    for name, lib in LIBS.items():
        with pytest.raises(ValueError) as e:
            model = make_pair()[name]
            x, y = make_data()
            model.fit(x, y, epochs=1, verbose=0,
                      callbacks=[scripted(lib, "val_auc_custom", [0.5]), lib.callbacks.EarlyStopping("val_auc_custom")])
        errors[name] = str(e.value)
    assert errors["torchkeras"] == errors["keras"]


# --- learning rate callbacks ---------------------------------------------------------------------------------


def test_reduce_lr_on_plateau_matches(capsys):
    runs = run_both(lambda lib: [scripted(lib, "score", [1.0] * 8), lib.callbacks.ReduceLROnPlateau(
        monitor="score", mode="min", factor=0.5, patience=1, min_lr=0.002, cooldown=1, verbose=1)],
        epochs=8, capsys=capsys, models=make_pair(lr=0.01))
    (km, kh, _, kout), (tm, th, _, tout) = runs["keras"], runs["torchkeras"]
    assert th.history["learning_rate"] == kh.history["learning_rate"]
    assert tout == kout
    assert "ReduceLROnPlateau reducing learning rate to 0.004999999888241291." in tout
    assert_weights_close(tm.get_weights(), km.get_weights())


def test_reduce_lr_on_plateau_on_real_val_loss(capsys):
    runs = run_both(lambda lib: [lib.callbacks.ReduceLROnPlateau(factor=0.2, patience=1, verbose=1)], epochs=10,
                    capsys=capsys)
    (km, kh, _, kout), (tm, th, _, tout) = runs["keras"], runs["torchkeras"]
    assert th.history["learning_rate"] == kh.history["learning_rate"]
    assert sorted(th.history) == sorted(kh.history)
    np.testing.assert_allclose(th.history["val_loss"], kh.history["val_loss"], rtol=1e-5)
    assert tout == kout and tout.count("reducing learning rate") >= 2
    assert_weights_close(tm.get_weights(), km.get_weights())


def test_learning_rate_scheduler_matches(capsys):
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    runs = run_both(lambda lib: [lib.callbacks.LearningRateScheduler(schedule, verbose=1)], epochs=5, capsys=capsys,
                    models=make_pair(lr=0.1))
    (km, kh, _, kout), (tm, th, _, tout) = runs["keras"], runs["torchkeras"]
    assert th.history["learning_rate"] == kh.history["learning_rate"]
    assert tout == kout
    assert_weights_close(tm.get_weights(), km.get_weights())


def test_learning_rate_scheduler_one_argument_and_error():
    runs = run_both(lambda lib: [lib.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))], epochs=3)
    assert runs["torchkeras"][1].history["learning_rate"] == runs["keras"][1].history["learning_rate"]
    errors = {}
    for name, lib in LIBS.items():
        with pytest.raises(ValueError) as e:
            make_pair()[name].fit(*make_data(), epochs=1, verbose=0,
                                  callbacks=[lib.callbacks.LearningRateScheduler(lambda epoch: 1)])
        errors[name] = str(e.value)
    assert errors["torchkeras"] == errors["keras"]


# --- CSVLogger -----------------------------------------------------------------------------------------------


def _replace_logs(lib, rows):
    class Replace(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs.clear()
            logs.update(rows[epoch])

    return Replace()


@pytest.mark.parametrize("rows, separator", [
    ([{"loss": 0.5290370583534241, "val_loss": 0.28665417432785034}, {"loss": 0.25, "val_loss": 0.125}], ","),
    ([{"mae": 0.75, "loss": 0.5}, {"mae": 0.5, "loss": 0.25}], ";"),
    ([{"loss": 1.0, "val_loss": np.array([1.0, 2.0])}, {"loss": 2.0, "val_loss": 3.0}], ","),
])
def test_csv_logger_bytes_match(tmp_path, rows, separator):
    contents = {}
    for name in LIBS:
        path = tmp_path / f"{name}.csv"
        lib = LIBS[name]
        model = make_pair()[name]
        x, y = make_data()
        model.fit(x, y, epochs=2, verbose=0, callbacks=[_replace_logs(lib, rows),
                                                         lib.callbacks.CSVLogger(str(path), separator=separator)])
        model.fit(x, y, epochs=1, verbose=0, callbacks=[_replace_logs(lib, rows[1:]),
                                                         lib.callbacks.CSVLogger(str(path), separator=separator,
                                                                                 append=True)])
        contents[name] = path.read_bytes()
    assert contents["torchkeras"] == contents["keras"]


def test_csv_logger_on_real_training(tmp_path):
    runs = run_both(lambda lib: [lib.callbacks.CSVLogger(str(tmp_path / f"{lib.__name__}.csv"))], epochs=4)
    k_lines = (tmp_path / "keras.csv").read_bytes().split(b"\r\n")
    t_lines = (tmp_path / "torchkeras.csv").read_bytes().split(b"\r\n")
    assert t_lines[0] == k_lines[0] == b"epoch,loss,val_loss"
    assert len(t_lines) == len(k_lines) == 6 and t_lines[-1] == k_lines[-1] == b""
    k_rows = np.array([[float(v) for v in line.split(b",")] for line in k_lines[1:-1]])
    t_rows = np.array([[float(v) for v in line.split(b",")] for line in t_lines[1:-1]])
    np.testing.assert_allclose(t_rows, k_rows, rtol=1e-5)
    assert runs["torchkeras"][1].epoch == runs["keras"][1].epoch


# --- ModelCheckpoint -----------------------------------------------------------------------------------------


def _checkpoint_run(tmp_path, monkeypatch, capsys, make_callbacks, epochs=4):
    files, printed, models = {}, {}, {}
    pair = make_pair()
    for name, lib in LIBS.items():
        work = tmp_path / name
        work.mkdir()
        monkeypatch.chdir(work)
        x, y = make_data()
        pair[name].fit(x, y, epochs=epochs, batch_size=8, validation_split=0.25, shuffle=False, verbose=0,
                       callbacks=make_callbacks(lib))
        printed[name] = capsys.readouterr().out
        files[name] = sorted(os.path.relpath(os.path.join(d, f), work) for d, _, fs in os.walk(work) for f in fs)
        models[name] = pair[name]
    return files, printed, models


def test_checkpoint_file_names_from_templates(tmp_path, monkeypatch, capsys):
    files, printed, _ = _checkpoint_run(tmp_path, monkeypatch, capsys, lambda lib: [
        lib.callbacks.ModelCheckpoint("ck/ck_{epoch:02d}-{val_loss:.2f}.weights.h5", save_weights_only=True,
                                      verbose=1)])
    assert files["torchkeras"] == files["keras"]
    assert len(files["keras"]) == 4
    assert printed["torchkeras"] == printed["keras"]


def test_checkpoint_save_best_only_messages(tmp_path, monkeypatch, capsys):
    files, printed, models = _checkpoint_run(tmp_path, monkeypatch, capsys, lambda lib: [
        lib.callbacks.ModelCheckpoint("best_{epoch}.weights.h5", save_best_only=True, save_weights_only=True,
                                      verbose=1)], epochs=8)
    assert files["torchkeras"] == files["keras"] == ["best_1.weights.h5", "best_2.weights.h5", "best_3.weights.h5"]
    assert printed["torchkeras"] == printed["keras"]
    assert "val_loss did not improve from" in printed["keras"]
    # torchkeras reads the best checkpoint Keras wrote and finds its own best weights in it.
    reader = make_pair()["torchkeras"]
    reader.load_weights(str(tmp_path / "keras" / "best_3.weights.h5"))
    own = make_pair()["torchkeras"]
    own.load_weights(str(tmp_path / "torchkeras" / "best_3.weights.h5"))
    assert_weights_close(reader.get_weights(), own.get_weights())


def test_checkpoint_scripted_max_mode_and_threshold(tmp_path, monkeypatch, capsys):
    series = [0.5, 0.6, 0.625, 0.6, 0.7]
    files, printed, _ = _checkpoint_run(tmp_path, monkeypatch, capsys, lambda lib: [
        scripted(lib, "val_accuracy", series),
        lib.callbacks.ModelCheckpoint("m{epoch}.keras", monitor="val_accuracy", mode="max", save_best_only=True,
                                      initial_value_threshold=0.55, verbose=1)], epochs=5)
    assert files["torchkeras"] == files["keras"] == ["m2.keras", "m3.keras", "m5.keras"]
    assert printed["torchkeras"] == printed["keras"]


def test_checkpoint_save_freq_in_batches(tmp_path, monkeypatch, capsys):
    # 36 training samples in batches of 8: 5 batches per epoch; a save every 3 batches.
    files, _, _ = _checkpoint_run(tmp_path, monkeypatch, capsys, lambda lib: [
        lib.callbacks.ModelCheckpoint("b_{epoch}_{batch}.weights.h5", save_freq=3, save_weights_only=True)],
        epochs=3)
    assert files["torchkeras"] == files["keras"]
    assert len(files["keras"]) == 5


def test_checkpoint_constructor_errors_match():
    cases = [dict(filepath="w.ckpt", save_weights_only=True), dict(filepath="model_dir"),
             dict(filepath="m.keras", save_freq="daily")]
    for kwargs in cases:
        errors = {}
        for name, lib in LIBS.items():
            with pytest.raises(ValueError) as e:
                lib.callbacks.ModelCheckpoint(**kwargs)
            errors[name] = str(e.value)
        assert errors["torchkeras"] == errors["keras"]


# --- TerminateOnNaN, LambdaCallback --------------------------------------------------------------------------


def test_terminate_on_nan_matches(capsys):
    x, y = make_data()
    x = x.copy()
    x[20, 1] = np.nan  # the third batch of the first epoch
    runs = run_both(lambda lib: [lib.callbacks.TerminateOnNaN()], epochs=3, validation=False, data=(x, y),
                    capsys=capsys)
    (km, kh, _, kout), (tm, th, _, tout) = runs["keras"], runs["torchkeras"]
    assert tout == kout == "Batch 2: Invalid loss, terminating training\n"
    assert th.epoch == kh.epoch == [0]
    assert np.isnan(th.history["loss"][0]) and np.isnan(kh.history["loss"][0])
    assert int(tm.optimizer.iterations.numpy()) == int(keras.ops.convert_to_numpy(km.optimizer.iterations)) == 3


def test_lambda_callback_call_sequence():
    def make(lib, calls):
        return [lib.callbacks.LambdaCallback(
            on_train_begin=lambda logs: calls.append(("train_begin", sorted(logs or {}))),
            on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
            on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
            on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, sorted(logs))),
            on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
            on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
        )]

    calls = {name: [] for name in LIBS}
    runs = run_both(lambda lib: make(lib, calls[lib.__name__]), epochs=2, models=make_pair(metrics=["mae"]))
    assert calls["torchkeras"] == calls["keras"]
    assert runs["torchkeras"][1].epoch == [0, 1]


# --- BackupAndRestore ----------------------------------------------------------------------------------------


def _crash(lib, epoch, batch):
    class Crash(lib.callbacks.Callback):
        def on_epoch_begin(self, e, logs=None):
            self.epoch = e

        def on_train_batch_end(self, b, logs=None):
            if self.epoch == epoch and b == batch:
                raise RuntimeError("simulated crash")

    return Crash()


def test_backup_and_restore_resume_matches(tmp_path):
    x, y = make_data()
    results = {}
    for name, lib in LIBS.items():
        backup = str(tmp_path / name)
        model = make_pair()[name]
        with pytest.raises(RuntimeError, match="simulated crash"):
            model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                      callbacks=[lib.callbacks.BackupAndRestore(backup), _crash(lib, 2, 1)])
        metadata = json.loads((tmp_path / name / "training_metadata.json").read_text())
        resumed = make_pair()[name]
        history = resumed.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                              callbacks=[lib.callbacks.BackupAndRestore(backup)])
        results[name] = (metadata, history.epoch, resumed.get_weights(), os.path.exists(backup))
    (km, ke, kw, kexists), (tm, te, tw, texists) = results["keras"], results["torchkeras"]
    assert tm == km == {"epoch": 2, "batch": 0}
    assert te == ke == [2, 3, 4]
    assert texists is kexists is False
    assert_weights_close(tw, kw)
    # And both equal an uninterrupted run.
    plain = make_pair()["torchkeras"]
    plain.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0)
    assert_weights_close(tw, plain.get_weights())


# --- SwapEMAWeights ------------------------------------------------------------------------------------------


def test_swap_ema_weights_matches():
    models = make_pair(optimizer=lambda lib: lib.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8))
    runs = run_both(lambda lib: [lib.callbacks.SwapEMAWeights()], epochs=4, models=models)
    (km, kh, _, _), (tm, th, _, _) = runs["keras"], runs["torchkeras"]
    np.testing.assert_allclose(th.history["val_loss"], kh.history["val_loss"], rtol=1e-5)
    np.testing.assert_allclose(th.history["loss"], kh.history["loss"], rtol=1e-5)
    assert_weights_close(tm.get_weights(), km.get_weights())


def test_swap_ema_weights_on_epoch_matches():
    models = make_pair(optimizer=lambda lib: lib.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8))
    seen = {name: [] for name in LIBS}

    def make(lib):
        probe = lib.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: seen[lib.__name__].append(models[lib.__name__].get_weights()))
        return [lib.callbacks.SwapEMAWeights(swap_on_epoch=True), probe]

    runs = run_both(make, epochs=3, models=models)
    for t_weights, k_weights in zip(seen["torchkeras"], seen["keras"]):
        assert_weights_close(t_weights, k_weights)
    assert_weights_close(runs["torchkeras"][0].get_weights(), runs["keras"][0].get_weights())
