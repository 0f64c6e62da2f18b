"""`keras.visualization.plot_bounding_box_gallery`: images with their true and predicted boxes, in a grid."""
import functools

import numpy as np

from torchkeras import backend
from torchkeras.api_export import keras_export
from torchkeras.visualization import image_arrays
from torchkeras.visualization.draw_bounding_boxes import draw_bounding_boxes
from torchkeras.visualization.plot_image_gallery import plot_image_gallery


@keras_export("keras.visualization.plot_bounding_box_gallery")
def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None, value_range=(0, 255),
                              true_color=(0, 188, 212), pred_color=(255, 235, 59), line_thickness=2, font_scale=1.0,
                              text_thickness=None, class_mapping=None, ground_truth_mapping=None,
                              prediction_mapping=None, legend=False, legend_handles=None, rows=None, cols=None,
                              data_format=None, **kwargs):
    """Draw the true (`y_true`) and predicted (`y_pred`) boxes on `images` and show them with
    `plot_image_gallery` (extra keyword arguments go there: `path`, `show`, `scale`, ...).

    Boxes are dicts as for `draw_bounding_boxes`, in `bounding_box_format`. `class_mapping` names the classes
    of both (or `ground_truth_mapping` / `prediction_mapping` each). `legend=True` adds a legend of the two
    colors (or pass your own `legend_handles`).
    """
    try:
        from matplotlib import patches
    except ImportError:
        raise ImportError("The `plot_bounding_box_gallery` function requires the `matplotlib` package. Please "
                          "install it with `pip install matplotlib`.") from None
    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    data_format = data_format or backend.image_data_format()
    images = image_arrays.to_numpy(images)
    image_arrays.check_batched(images)
    plotted = image_arrays.channels_last(images, data_format)
    draw = functools.partial(draw_bounding_boxes, bounding_box_format=bounding_box_format,
                             line_thickness=line_thickness, text_thickness=text_thickness, font_scale=font_scale,
                             data_format="channels_last")
    if y_true is not None:
        plotted = draw(plotted, y_true, color=true_color, class_mapping=ground_truth_mapping)
    if y_pred is not None:
        plotted = draw(plotted, y_pred, color=pred_color, class_mapping=prediction_mapping)
    if legend:
        if legend_handles:
            raise ValueError("Only pass `legend` OR `legend_handles` to "
                             "`keras.visualization.plot_bounding_box_gallery()`.")
        legend_handles = [patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
                          patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    return plot_image_gallery(plotted, value_range=value_range, legend_handles=legend_handles, rows=rows, cols=cols,
                              data_format="channels_last", **kwargs)
