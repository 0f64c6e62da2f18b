import numpy as np

import torchkeras as keras

from .helpers import make_model


class ReplaceLogs(keras.callbacks.Callback):
    """Replaces the epoch logs with known values (so the file's bytes are predictable)."""

    def __init__(self, rows):
        super().__init__()
        self.rows = rows

    def on_epoch_end(self, epoch, logs=None):
        logs.clear()
        logs.update(self.rows[epoch])


def _fit(data, callbacks, epochs=2, validation=False):
    x, y = data
    model = make_model()
    kwargs = dict(validation_split=0.25) if validation else {}
    return model.fit(x, y, epochs=epochs, batch_size=10, shuffle=False, verbose=0, callbacks=callbacks, **kwargs)


def test_exact_bytes_with_val_keys(tmp_path, data):
    path = tmp_path / "log.csv"
    rows = [{"loss": 0.5290370583534241, "val_loss": 0.28665417432785034},
            {"loss": 0.25, "val_loss": 0.125}]
    _fit(data, [ReplaceLogs(rows), keras.callbacks.CSVLogger(str(path))])
    assert path.read_bytes() == (b"epoch,loss,val_loss\r\n0,0.5290370583534241,0.28665417432785034\r\n"
                                 b"1,0.25,0.125\r\n")


def test_missing_val_keys_are_added_and_filled_with_na(tmp_path, data):
    path = tmp_path / "log.csv"
    rows = [{"mae": 0.75, "loss": 0.5}, {"mae": 0.5, "loss": 0.25}]
    _fit(data, [ReplaceLogs(rows), keras.callbacks.CSVLogger(str(path))])
    assert path.read_bytes() == (b"epoch,loss,mae,val_loss,val_mae\r\n0,0.5,0.75,NA,NA\r\n"
                                 b"1,0.25,0.5,NA,NA\r\n")


def test_real_training_values_are_written_in_full_precision(tmp_path, data):
    path = tmp_path / "log.csv"
    history = _fit(data, [keras.callbacks.CSVLogger(str(path))], epochs=3, validation=True)
    lines = path.read_bytes().split(b"\r\n")
    assert lines[0] == b"epoch,loss,val_loss"
    assert lines[-1] == b""
    for epoch, line in enumerate(lines[1:-1]):
        assert line == f"{epoch},{history.history['loss'][epoch]},{history.history['val_loss'][epoch]}".encode()


def test_separator_and_append(tmp_path, data):
    path = tmp_path / "log.tsv"
    rows = [{"loss": 1.5}, {"loss": 0.5}, {"loss": 0.25}]
    _fit(data, [ReplaceLogs(rows[:2]), keras.callbacks.CSVLogger(str(path), separator="\t")])
    _fit(data, [ReplaceLogs(rows[2:]), keras.callbacks.CSVLogger(str(path), separator="\t", append=True)],
         epochs=1)
    assert path.read_bytes() == (b"epoch\tloss\tval_loss\r\n0\t1.5\tNA\r\n1\t0.5\tNA\r\n0\t0.25\tNA\r\n")


def test_append_to_a_new_file_writes_the_header(tmp_path, data):
    path = tmp_path / "new.csv"
    _fit(data, [ReplaceLogs([{"loss": 1.0}]), keras.callbacks.CSVLogger(str(path), append=True)], epochs=1)
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,1.0,NA\r\n"


def test_without_append_the_file_is_overwritten(tmp_path, data):
    path = tmp_path / "log.csv"
    logger = keras.callbacks.CSVLogger(str(path))
    _fit(data, [ReplaceLogs([{"loss": 1.0}]), logger], epochs=1)
    _fit(data, [ReplaceLogs([{"loss": 2.0}]), logger], epochs=1)
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,2.0,NA\r\n"
    assert logger.csv_file.closed


def test_rows_are_flushed_every_epoch(tmp_path, data):
    path = tmp_path / "log.csv"
    seen = []
    reader = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(path.read_bytes()))
    _fit(data, [ReplaceLogs([{"loss": 1.0}, {"loss": 2.0}]), keras.callbacks.CSVLogger(str(path)), reader])
    assert seen == [b"epoch,loss,val_loss\r\n0,1.0,NA\r\n", b"epoch,loss,val_loss\r\n0,1.0,NA\r\n1,2.0,NA\r\n"]


def test_list_values_are_quoted(tmp_path, data):
    path = tmp_path / "log.csv"
    _fit(data, [ReplaceLogs([{"loss": 1.0, "val_loss": np.array([1.0, 2.0])}]), keras.callbacks.CSVLogger(str(path))],
         epochs=1)
    assert path.read_bytes() == b'epoch,loss,val_loss\r\n0,1.0,"""[1.0, 2.0]"""\r\n'


def test_learning_rate_column_with_a_scheduler(tmp_path, data):
    path = tmp_path / "log.csv"
    _fit(data, [keras.callbacks.LearningRateScheduler(lambda e, lr: 0.125), keras.callbacks.CSVLogger(str(path))],
         epochs=1)
    header, row = path.read_bytes().split(b"\r\n")[:2]
    assert header == b"epoch,learning_rate,loss,val_learning_rate,val_loss"
    assert row.startswith(b"0,0.125,") and row.endswith(b",NA,NA")
