"""keras.visualization: drawing boxes and masks onto images, and matplotlib galleries."""
import numpy as np
import pytest
import torch

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from torchkeras import visualization  # noqa: E402


def _images(n=2, h=32, w=40, c=3, seed=0):
    return np.random.RandomState(seed).randint(0, 200, size=(n, h, w, c)).astype("float32")


def test_draw_bounding_boxes_paints_the_outline_only():
    images = np.zeros((1, 20, 30, 3), "float32") + 10
    boxes = {"boxes": np.array([[[5, 4, 15, 12]]], "float32"), "labels": np.array([[0]])}
    out = visualization.draw_bounding_boxes(images, boxes, "xyxy", color=(255, 0, 0), line_thickness=1)
    assert out.dtype == np.uint8 and out.shape == images.shape
    red = (out[0] == [255, 0, 0]).all(-1)
    expected = np.zeros((20, 30), bool)
    expected[4, 5:16] = expected[12, 5:16] = True
    expected[4:13, 5] = expected[4:13, 15] = True
    np.testing.assert_array_equal(red, expected)
    assert (out[0][~expected] == 10).all()


@pytest.mark.parametrize("fmt,box", [("xyxy", [5, 4, 15, 12]), ("yxyx", [4, 5, 12, 15]), ("xywh", [5, 4, 10, 8]),
                                     ("center_xywh", [10, 8, 10, 8]), ("center_yxhw", [8, 10, 8, 10]),
                                     ("rel_xyxy", [5 / 30, 4 / 20, 15 / 30, 12 / 20]),
                                     ("rel_yxyx", [4 / 20, 5 / 30, 12 / 20, 15 / 30]),
                                     ("rel_xywh", [5 / 30, 4 / 20, 10 / 30, 8 / 20]),
                                     ("rel_center_xywh", [10 / 30, 8 / 20, 10 / 30, 8 / 20])])
def test_every_box_format_draws_the_same_box(fmt, box):
    images = np.zeros((1, 20, 30, 3), "uint8")
    reference = visualization.draw_bounding_boxes(
        images, {"boxes": np.array([[[5, 4, 15, 12]]], "float32"), "labels": np.array([[1]])}, "xyxy")
    out = visualization.draw_bounding_boxes(
        images, {"boxes": np.array([[box]], "float32"), "labels": np.array([[1]])}, fmt)
    np.testing.assert_array_equal(out, reference)


def test_draw_bounding_boxes_labels_padding_layout_and_errors():
    images = _images(n=2) / 255.0  # floats in [0, 1] are scaled to [0, 255]
    boxes = {"boxes": torch.tensor([[[2, 2, 20, 20], [0, 0, 5, 5]], [[1, 1, 30, 25], [3, 3, 9, 9]]]),
             "labels": torch.tensor([[1, -1], [2, 1]]), "confidences": torch.tensor([[0.9, 0.1], [0.5, 0.7]])}
    out = visualization.draw_bounding_boxes(images, boxes, "xyxy", class_mapping={1: "cat", 2: "dog"},
                                            color=(0, 255, 0), font_scale=0.5)
    assert out.shape == images.shape and out.dtype == np.uint8
    assert ((out[0] == [0, 255, 0]).all(-1)).sum() > 4 * 18  # the box, plus its label text
    plain = visualization.draw_bounding_boxes(images, {"boxes": boxes["boxes"], "labels": boxes["labels"]}, "xyxy",
                                              color=(0, 255, 0))
    assert (out != plain).any()  # text was written
    # label -1 is padding: the second box of image 0 is not drawn
    untouched = np.clip(images[0] * 255, 0, 255).astype("uint8")
    np.testing.assert_array_equal(plain[0, 0, 0:2], untouched[0, 0:2])
    first = visualization.draw_bounding_boxes(np.transpose(images, (0, 3, 1, 2)), boxes, "xyxy",
                                              data_format="channels_first", color=(0, 255, 0),
                                              class_mapping={1: "cat", 2: "dog"}, font_scale=0.5)
    np.testing.assert_array_equal(np.transpose(first, (0, 2, 3, 1)), out)
    with pytest.raises(ValueError, match="4D"):
        visualization.draw_bounding_boxes(images[0], boxes, "xyxy")
    with pytest.raises(TypeError, match="dict"):
        visualization.draw_bounding_boxes(images, [1], "xyxy")
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        visualization.draw_bounding_boxes(images, {"boxes": boxes["boxes"]}, "xyxy")
    with pytest.raises(ValueError, match="Supported formats"):
        visualization.draw_bounding_boxes(images, boxes, "xyzw")


def test_draw_segmentation_masks_blends_and_ignores():
    images = np.full((1, 4, 4, 3), 100, "float32")
    masks = np.array([[[0, 1, 2, -1]] * 4])[..., None]
    out = visualization.draw_segmentation_masks(images, masks, num_classes=3,
                                                color_mapping={0: (0, 0, 0), 1: (255, 0, 0), 2: (0, 0, 250)},
                                                alpha=0.5)
    assert out.dtype == np.uint8 and out.shape == (1, 4, 4, 3)
    np.testing.assert_array_equal(out[0, 0, 0], [50, 50, 50])
    np.testing.assert_array_equal(out[0, 0, 1], [177, 50, 50])
    np.testing.assert_array_equal(out[0, 0, 2], [50, 50, 175])
    np.testing.assert_array_equal(out[0, 0, 3], [100, 100, 100])  # ignore_index keeps the image
    painted = visualization.draw_segmentation_masks(images, masks[..., 0], num_classes=3, blend=False)
    assert painted.dtype == np.float32 and painted.shape == (1, 4, 4, 3)
    with pytest.raises(TypeError, match="integer"):
        visualization.draw_segmentation_masks(images, masks.astype("float32"))


def test_galleries_save_figures(tmp_path):
    images = _images(n=4)
    path = tmp_path / "gallery.png"
    visualization.plot_image_gallery(images, y_true=np.array([0, 1, 0, 1]), y_pred=np.array([1, 1, 0, 0]),
                                     label_map={0: "cat", 1: "dog"}, path=str(path))
    assert path.stat().st_size > 0
    boxes = {"boxes": np.array([[[2, 2, 20, 20]]] * 4, "float32"), "labels": np.array([[0]] * 4)}
    path = tmp_path / "boxes.png"
    visualization.plot_bounding_box_gallery(images, "xyxy", y_true=boxes, y_pred=boxes, class_mapping={0: "cat"},
                                            legend=True, path=str(path), rows=2, cols=2)
    assert path.stat().st_size > 0
    path = tmp_path / "masks.png"
    masks = np.random.RandomState(0).randint(0, 3, size=(4, 32, 40, 1))
    visualization.plot_segmentation_mask_gallery(images, num_classes=3, y_true=masks, y_pred=masks, path=str(path))
    assert path.stat().st_size > 0
    with pytest.raises(ValueError, match="label_map"):
        visualization.plot_image_gallery(images, y_true=np.array([0, 1, 0, 1]), path=str(path))
    with pytest.raises(ValueError, match="either `path`"):
        visualization.plot_image_gallery(images, path=str(path), show=True)
    with pytest.raises(ValueError, match="Only pass `legend`"):
        visualization.plot_bounding_box_gallery(images, "xyxy", y_true=boxes, legend=True, legend_handles=[1],
                                                path=str(path))
