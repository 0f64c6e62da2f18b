"""`keras.visualization.plot_image_gallery`: a grid of images (with labels and predictions) drawn with
matplotlib."""
import math

import numpy as np

from torchkeras import backend
from torchkeras.api_export import keras_export
from torchkeras.visualization import image_arrays


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("The `plot_image_gallery` function requires the `matplotlib` package. Please install it "
                          "with `pip install matplotlib`.") from None
    return plt


@keras_export("keras.visualization.plot_image_gallery")
def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None, cols=None, value_range=(0, 255),
                       scale=2, path=None, show=None, transparent=True, dpi=60, legend_handles=None,
                       data_format=None):
    """Show a batch of images in a grid (or save it to `path`).

    Args:
        images: 4D images (tensor or array) in `value_range`.
        y_true, y_pred: optional labels and predictions, written above each image through `label_map`
            (`{label: name}`, required with them).
        rows, cols: grid size (default: about the square root of the batch size).
        value_range: the range of the image values. scale: inches per image.
        path: save the figure there instead of showing it. show: show it (default: when no `path`).
        transparent, dpi: saving options. legend_handles: matplotlib handles for a legend.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
    """
    plt = _pyplot()
    if path is not None and show:
        raise ValueError("plot_gallery() expects either `path` to be set, or `show` to be true.")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("If `y_true` or `y_pred` are provided, a `label_map` must also be provided.")
    show = show if show is not None else path is None
    data_format = data_format or backend.image_data_format()
    images = image_arrays.to_numpy(images)
    batch_size = images.shape[0] if images.ndim == 4 else 1
    rows = rows or int(math.ceil(math.sqrt(batch_size)))
    cols = cols or int(math.ceil(batch_size // rows))
    if images.ndim != 4:
        raise ValueError("`plot_images_gallery()` requires you to batch your `np.array` samples together.")
    images = image_arrays.channels_last(images[:min(rows * cols, batch_size)], data_format)

    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale), frameon=False,
                             layout="tight", squeeze=True, sharex="row", sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if isinstance(axes, np.ndarray) and axes.ndim == 1:
        axes = np.expand_dims(axes, 0 if rows == 1 else -1)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    images = image_arrays.transform_value_range(images, value_range, (0, 255))
    y_true = None if y_true is None else image_arrays.to_numpy(y_true)
    y_pred = None if y_pred is None else image_arrays.to_numpy(y_pred)
    for row in range(rows):
        for col in range(cols):
            index = row * cols + col
            axis = axes[row, col] if isinstance(axes, np.ndarray) else axes
            axis.margins(x=0, y=0)
            axis.axis("off")
            if index >= len(images):
                continue
            axis.imshow(images[index].astype("uint8"))
            title = []
            if y_true is not None and index < len(y_true):
                title.append(f"Label: {label_map.get(_key(y_true[index]), 'Unknown')}")
            if y_pred is not None and index < len(y_pred):
                title.append(f"Pred: {label_map.get(_key(y_pred[index]), 'Unknown')}")
            if title:
                axis.set_title("  ".join(title), fontsize=8)
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
        plt.close()
    elif show:
        plt.show()
        plt.close()


def _key(label):
    """A label as a plain Python value, so that `{0: "cat"}` finds `np.int64(0)`."""
    return label.item() if isinstance(label, np.generic) else label
