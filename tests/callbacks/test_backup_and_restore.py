import json
import os

import numpy as np
import pytest

import torchkeras as keras

from .helpers import CrashAt
from .helpers import make_model

EPOCHS = 4


def _model():
    return make_model(keras.optimizers.Adam(0.01))


def _fit(model, data, callbacks, epochs=EPOCHS):
    x, y = data
    return model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0, callbacks=callbacks)


def _uninterrupted(data):
    model = _model()
    _fit(model, data, [])
    return model.get_weights()


def _assert_same(a, b):
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("save_freq, crash, expected_epochs", [
    ("epoch", (2, 3), [2, 3]),  # killed mid-epoch 2: the backup of epoch 1's end is used
    ("epoch", (1, 0), [1, 2, 3]),
    (3, (2, 3), [2, 3]),  # 5 batches per epoch: the last backup holds epoch 2's first two batches
    (2, (1, 4), [1, 2, 3]),
])
def test_resume_after_a_crash_gives_the_uninterrupted_weights(tmp_path, data, save_freq, crash, expected_epochs):
    reference = _uninterrupted(data)
    backup_dir = str(tmp_path / "backup")
    model = _model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        _fit(model, data, [keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq), CrashAt(*crash)])
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5", "training_metadata.json"]
    resumed = _model()
    history = _fit(resumed, data, [keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)])
    assert history.epoch == expected_epochs
    _assert_same(resumed.get_weights(), reference)
    assert not os.path.exists(backup_dir)  # deleted once training finished


def test_metadata_layout(tmp_path, data):
    backup_dir = tmp_path / "b"
    with pytest.raises(RuntimeError):
        _fit(_model(), data, [keras.callbacks.BackupAndRestore(str(backup_dir)), CrashAt(1, 2)])
    assert json.loads((backup_dir / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 0}
    with pytest.raises(RuntimeError):
        _fit(_model(), data, [keras.callbacks.BackupAndRestore(str(backup_dir / "i"), save_freq=3), CrashAt(1, 2)])
    # Batches 0..2 of epoch 0, then 3..4 of epoch 0 and 0 of epoch 1: backups after global batches 3 and 6.
    assert json.loads((backup_dir / "i" / "training_metadata.json").read_text()) == {
        "epoch": 1, "batch": 0, "batches_done": 1}


def test_optimizer_state_is_restored(tmp_path, data):
    backup_dir = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        _fit(_model(), data, [keras.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False), CrashAt(2)])
    resumed = _model()
    seen = {}

    def record(logs):
        seen["iterations"] = int(resumed.optimizer.iterations.numpy())
        seen["slots"] = [np.array(v.numpy()) for v in resumed.optimizer.variables[2:]]

    _fit(resumed, data, [keras.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False),
                         keras.callbacks.LambdaCallback(on_train_begin=record)], epochs=2)
    assert seen["iterations"] == 10  # 2 epochs x 5 batches were backed up
    assert any(np.abs(s).sum() > 0 for s in seen["slots"])


def test_keep_checkpoint_and_nothing_to_resume(tmp_path, data):
    backup_dir = tmp_path / "b"
    _fit(_model(), data, [keras.callbacks.BackupAndRestore(str(backup_dir), delete_checkpoint=False)], epochs=2)
    assert json.loads((backup_dir / "training_metadata.json").read_text()) == {"epoch": 2, "batch": 0}
    # A finished run's backup makes a later fit with the same epochs do nothing more.
    history = _fit(_model(), data, [keras.callbacks.BackupAndRestore(str(backup_dir))], epochs=2)
    assert history.epoch == []
    assert not backup_dir.exists()


def test_double_checkpoint_falls_back_on_the_previous_backup(tmp_path, data):
    backup_dir = tmp_path / "b"
    with pytest.raises(RuntimeError):
        _fit(_model(), data, [keras.callbacks.BackupAndRestore(str(backup_dir), double_checkpoint=True),
                              CrashAt(2, 1)])
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5", "latest.weights.h5.bkp",
                                              "training_metadata.json", "training_metadata.json.bkp"]
    (backup_dir / "latest.weights.h5").write_bytes(b"not an hdf5 file")  # a backup broken by the crash
    history = _fit(_model(), data, [keras.callbacks.BackupAndRestore(str(backup_dir), double_checkpoint=True)])
    assert history.epoch == [1, 2, 3]  # the previous backup was taken at the end of epoch 0


def test_corrupted_backup_without_a_previous_one_raises(tmp_path, data):
    backup_dir = tmp_path / "b"
    backup_dir.mkdir()
    (backup_dir / "latest.weights.h5").write_bytes(b"garbage")
    with pytest.raises((OSError, ValueError)):
        _fit(_model(), data, [keras.callbacks.BackupAndRestore(str(backup_dir))])


def test_unbuilt_model_raises(tmp_path):
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    cb = keras.callbacks.BackupAndRestore(str(tmp_path))
    cb.set_model(model)
    with pytest.raises(ValueError, match="To use the BackupAndRestore callback, you model must be built before"):
        cb.on_train_begin()


def test_argument_errors():
    with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError) as e:
        keras.callbacks.BackupAndRestore("b", save_freq="often")
    assert str(e.value) == ("Invalid value for argument `save_freq`. Received: save_freq=often. Expected either "
                            "'epoch' or an integer value.")
