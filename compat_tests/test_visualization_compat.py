"""keras.visualization beside real Keras 3: masks drawn pixel for pixel alike, galleries drawn alike.

(`draw_bounding_boxes` needs OpenCV in Keras; torchkeras draws with NumPy and Pillow, see tests/visualization.)
"""
import keras
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from torchkeras import visualization  # noqa: E402


def _inputs(seed=0, n=3, h=8, w=10):
    rs = np.random.RandomState(seed)
    images = rs.randint(0, 256, size=(n, h, w, 3)).astype("float32")
    masks = rs.randint(-1, 4, size=(n, h, w, 1)).astype("int32")
    return images, masks


# (Keras's default `num_classes`, the largest mask value, fails in its torch backend's one_hot: always given here.)
@pytest.mark.parametrize("kwargs", [dict(num_classes=4), dict(num_classes=4, alpha=0.3, ignore_index=2),
                                    dict(num_classes=4, color_mapping={0: (9, 9, 9), 1: (200, 0, 0),
                                                                       2: (0, 250, 10), 3: (1, 2, 3)}),
                                    dict(blend=False, num_classes=4)])
def test_draw_segmentation_masks_like_keras(kwargs):
    images, masks = _inputs()
    expected = np.asarray(keras.ops.convert_to_numpy(
        keras.visualization.draw_segmentation_masks(images, masks, **kwargs)))
    got = visualization.draw_segmentation_masks(images, masks, **kwargs)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_draw_segmentation_masks_channels_first_like_keras():
    images, masks = _inputs(seed=1)
    first_images, first_masks = images.transpose(0, 3, 1, 2), masks.transpose(0, 3, 1, 2)
    expected = keras.visualization.draw_segmentation_masks(first_images, first_masks, num_classes=4,
                                                           data_format="channels_first")
    got = visualization.draw_segmentation_masks(first_images, first_masks, num_classes=4,
                                                data_format="channels_first")
    # Keras returns channels_last here; torchkeras keeps the input's layout.
    np.testing.assert_array_equal(got.transpose(0, 2, 3, 1), expected)


def _png(fn, lib, tmp_path, name, *args, **kwargs):
    path = tmp_path / f"{name}_{lib}.png"
    fn(*args, path=str(path), **kwargs)
    matplotlib.pyplot.close("all")
    return matplotlib.pyplot.imread(str(path))


def test_plot_image_gallery_draws_like_keras(tmp_path):
    images, _ = _inputs(n=4, h=16, w=16)
    kwargs = dict(y_true=np.array([0, 1, 1, 0]), y_pred=np.array([1, 1, 0, 0]), label_map={0: "cat", 1: "dog"},
                  value_range=(0, 255), scale=1, dpi=40)
    expected = _png(keras.visualization.plot_image_gallery, "keras", tmp_path, "g", images, **kwargs)
    got = _png(visualization.plot_image_gallery, "tk", tmp_path, "g", images, **kwargs)
    np.testing.assert_array_equal(got, expected)
    scaled = images / 255.0
    expected = _png(keras.visualization.plot_image_gallery, "keras", tmp_path, "r", scaled, value_range=(0, 1),
                    rows=1, cols=3, scale=1, dpi=40)
    got = _png(visualization.plot_image_gallery, "tk", tmp_path, "r", scaled, value_range=(0, 1), rows=1, cols=3,
               scale=1, dpi=40)
    np.testing.assert_array_equal(got, expected)


def test_plot_segmentation_mask_gallery_draws_like_keras(tmp_path):
    images, masks = _inputs(n=2, h=16, w=16)
    kwargs = dict(num_classes=4, y_true=masks, y_pred=np.flip(masks, axis=1), scale=1, dpi=40)
    expected = _png(keras.visualization.plot_segmentation_mask_gallery, "keras", tmp_path, "m", images, **kwargs)
    got = _png(visualization.plot_segmentation_mask_gallery, "tk", tmp_path, "m", images, **kwargs)
    np.testing.assert_array_equal(got, expected)
