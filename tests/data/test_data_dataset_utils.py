"""`image_dataset_from_directory`, `text_dataset_from_directory`, `timeseries_dataset_from_array`,
`split_dataset` and the image file helpers."""
import numpy as np
import pytest
import torch

from torchkeras.utils import dataset_utils
from torchkeras.utils import image_utils

PIL = pytest.importorskip("PIL.Image")


def _make_image_tree(root, per_class=(3, 2), size=(6, 8)):
    rng = np.random.default_rng(0)
    for c, n in enumerate(per_class):
        folder = root / f"class_{'ab'[c]}"
        folder.mkdir(parents=True)
        for i in range(n):
            arr = rng.integers(0, 256, size + (3,), dtype=np.uint8)
            PIL.fromarray(arr).save(folder / f"img_{i}.png")
    (root / "class_a" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()


def test_image_dataset_from_directory(tmp_path, capsys):
    _make_image_tree(tmp_path)
    ds = dataset_utils.image_dataset_from_directory(tmp_path, image_size=(4, 4), batch_size=2, seed=1)
    assert "Found 5 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["class_a", "class_b"]
    assert len(ds) == 3 and len(ds.file_paths) == 5
    batches = list(ds)
    x, y = batches[0]
    assert x.shape == (2, 4, 4, 3) and x.dtype == torch.float32
    assert y.dtype == torch.int32
    labels = torch.cat([b[1] for b in batches])
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1]
    # Same seed, same epoch order; new epochs reshuffle.
    again = dataset_utils.image_dataset_from_directory(tmp_path, image_size=(4, 4), batch_size=2, seed=1,
                                                       verbose=False)
    assert [b[1].tolist() for b in again] == [b[1].tolist() for b in batches]


def test_image_dataset_label_modes_and_pixels(tmp_path):
    _make_image_tree(tmp_path, size=(4, 4))
    ds = dataset_utils.image_dataset_from_directory(tmp_path, image_size=(4, 4), batch_size=None, shuffle=False,
                                                    label_mode="categorical", verbose=False)
    x, y = next(iter(ds))
    assert x.shape == (4, 4, 3) and y.tolist() == [1.0, 0.0]
    path = ds.file_paths[0]
    np.testing.assert_array_equal(x.numpy(), np.asarray(PIL.open(path).convert("RGB"), dtype="float32"))
    binary = dataset_utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), label_mode="binary",
                                                        color_mode="grayscale", shuffle=False, verbose=False)
    xb, yb = next(iter(binary))
    assert xb.shape == (5, 2, 2, 1) and yb.shape == (5, 1) and yb.dtype == torch.float32
    unlabeled = dataset_utils.image_dataset_from_directory(tmp_path, labels=None, image_size=(3, 3),
                                                           verbose=False, crop_to_aspect_ratio=True)
    assert next(iter(unlabeled)).shape == (5, 3, 3, 3)
    only_b = dataset_utils.image_dataset_from_directory(tmp_path, class_names=["class_b"], image_size=(2, 2),
                                                        verbose=False)
    assert only_b.class_names == ["class_b"] and len(only_b.file_paths) == 2


def test_image_dataset_validation_split(tmp_path, capsys):
    _make_image_tree(tmp_path, per_class=(5, 5))
    train, val = dataset_utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), validation_split=0.2,
                                                            subset="both", seed=3, verbose=False)
    out = capsys.readouterr().out
    assert "Using 8 files for training." in out and "Using 2 files for validation." in out
    assert set(train.file_paths).isdisjoint(val.file_paths) and len(train.file_paths) == 8
    only_val = dataset_utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), validation_split=0.2,
                                                          subset="validation", seed=3, verbose=False)
    assert only_val.file_paths == val.file_paths
    with pytest.raises(ValueError, match="you must provide a `seed`"):
        dataset_utils.image_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="`validation_split` must be set"):
        dataset_utils.image_dataset_from_directory(tmp_path, subset="training", seed=1)
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        dataset_utils.image_dataset_from_directory(tmp_path, label_mode="binary", class_names=["class_a"],
                                                   verbose=False)
    with pytest.raises(ValueError, match="color_mode"):
        dataset_utils.image_dataset_from_directory(tmp_path, color_mode="cmyk")
    with pytest.raises(ValueError, match="No images found"):
        dataset_utils.image_dataset_from_directory(tmp_path / ".hidden", labels=None, verbose=False)


def test_text_dataset_from_directory(tmp_path):
    for label, texts in (("neg", ["bad film", "awful"]), ("pos", ["great film", "loved it", "wonderful"])):
        (tmp_path / label).mkdir()
        for i, t in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(t)
    ds = dataset_utils.text_dataset_from_directory(tmp_path, batch_size=2, shuffle=False, max_length=5,
                                                   verbose=False)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    x, y = next(iter(ds))
    assert isinstance(x, np.ndarray) and x.dtype == object
    assert list(x) == ["bad f", "awful"] and y.tolist() == [0, 0]
    train, val = dataset_utils.text_dataset_from_directory(tmp_path, validation_split=0.4, subset="both",
                                                           seed=2, verbose=False, label_mode="categorical")
    n_train = sum(len(b[0]) for b in train)
    n_val = sum(len(b[0]) for b in val)
    assert (n_train, n_val) == (3, 2)
    single = dataset_utils.text_dataset_from_directory(tmp_path, batch_size=None, labels=None, verbose=False)
    assert isinstance(next(iter(single)), str)


def test_timeseries_dataset_from_array():
    data = np.arange(20, dtype="float32")[:, None]
    targets = np.arange(20) * 10
    ds = dataset_utils.timeseries_dataset_from_array(data, targets, sequence_length=4, sequence_stride=2,
                                                     sampling_rate=2, batch_size=3)
    batches = list(ds)
    x, y = batches[0]
    assert x.shape == (3, 4, 1) and x.dtype == torch.float32
    np.testing.assert_array_equal(x[1, :, 0].numpy(), [2, 4, 6, 8])
    np.testing.assert_array_equal(y.numpy(), [0, 20, 40])
    assert sum(len(b[0]) for b in batches) == len(range(0, 20 - 3 * 2, 2)) == len(ds.dataset)
    assert len(ds) == len(batches)
    part = dataset_utils.timeseries_dataset_from_array(data, None, sequence_length=3, start_index=5,
                                                       end_index=12, batch_size=None)
    first = next(iter(part))
    np.testing.assert_array_equal(first[:, 0].numpy(), [5, 6, 7])
    assert len(part) == 12 - 5 - 2
    shuffled = dataset_utils.timeseries_dataset_from_array(data, targets, 3, shuffle=True, seed=4, batch_size=5)
    xs, ys = next(iter(shuffled))
    np.testing.assert_array_equal(xs[:, 0, 0].numpy() * 10, ys.numpy())  # windows and targets stay aligned
    for kwargs, match in (({"start_index": -1}, "start_index"), ({"end_index": 25}, "end_index"),
                          ({"sampling_rate": 0}, "sampling_rate"), ({"sequence_stride": 30}, "sequence_stride")):
        with pytest.raises(ValueError, match=match):
            dataset_utils.timeseries_dataset_from_array(data, targets, 3, **kwargs)


def test_split_dataset():
    x = np.arange(10)
    y = np.arange(10) * 2
    left, right = dataset_utils.split_dataset((x, y), left_size=0.8)
    assert len(left) == 8 and len(right) == 2
    assert [int(left[i][0]) for i in range(8)] == list(range(8))
    assert [int(v) for v in right[1]] == [9, 18]
    a, b = dataset_utils.split_dataset(x, right_size=3, shuffle=True, seed=7)
    c, d = dataset_utils.split_dataset(x, right_size=3, shuffle=True, seed=7)
    assert list(a.indices) == list(c.indices) and len(b) == 3
    assert sorted(list(a.indices) + list(b.indices)) == list(range(10))
    ds = torch.utils.data.TensorDataset(torch.arange(6))
    left, right = dataset_utils.split_dataset(ds, left_size=2, right_size=3)
    assert len(left) == 2 and len(right) == 3 and int(right[0][0]) == 3
    with pytest.raises(ValueError, match="At least one"):
        dataset_utils.split_dataset(x)
    with pytest.raises(ValueError, match="left_size"):
        dataset_utils.split_dataset(x, left_size=1.5)
    with pytest.raises(TypeError, match="right_size"):
        dataset_utils.split_dataset(x, right_size="3")
    with pytest.raises(TypeError, match="must be a `torch.utils.data.Dataset`"):
        dataset_utils.split_dataset({"a": x}, left_size=2)


def test_image_file_helpers(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype("float32")
    path = tmp_path / "img.png"
    image_utils.save_img(path, arr, scale=False)
    img = image_utils.load_img(path)
    assert img.size == (7, 5) and img.mode == "RGB"
    back = image_utils.img_to_array(img)
    np.testing.assert_array_equal(back, arr)
    assert image_utils.img_to_array(img, data_format="channels_first").shape == (3, 5, 7)
    gray = image_utils.load_img(path, color_mode="grayscale", target_size=(2, 3))
    assert gray.size == (3, 2) and image_utils.img_to_array(gray).shape == (2, 3, 1)
    cropped = image_utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True)
    assert cropped.size == (4, 4)
    scaled = image_utils.array_to_img(arr)
    assert np.asarray(scaled).max() == 255 and np.asarray(scaled).min() == 0
    assert image_utils.array_to_img(np.zeros((2, 2, 1))).mode == "L"
    assert image_utils.array_to_img(np.full((2, 2, 1), 300.0), scale=False).mode == "I"
    with pytest.raises(ValueError, match="rank 3"):
        image_utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="color_mode"):
        image_utils.load_img(path, color_mode="cmyk")
    with pytest.raises(TypeError, match="path should be path-like"):
        image_utils.load_img(3)
    out = image_utils.smart_resize(np.ones((6, 10, 3), "float32"), (3, 3))
    assert isinstance(out, np.ndarray) and out.shape == (3, 3, 3)
    batch = image_utils.smart_resize(torch.ones(2, 3, 6, 10), (4, 4), data_format="channels_first")
    assert batch.shape == (2, 3, 4, 4)
