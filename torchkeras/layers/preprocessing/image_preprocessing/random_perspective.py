"""`keras.layers.RandomPerspective`: warp images by random perspective transforms during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.geometry import apply_transform
from torchkeras.layers.preprocessing.image_preprocessing.geometry import check_modes
from torchkeras.utils.bounding_boxes.converters import clip_to_image_size
from torchkeras.utils.bounding_boxes.converters import convert_format


def homography_matrix(start_points, end_points):
    """`(batch, 8)` projective transforms sending the 4 `end_points` to the 4 `start_points` (`(batch, 4, 2)`
    of x, y), solved in float64."""
    s, e = start_points.to(torch.float64), end_points.to(torch.float64)
    zeros, ones = torch.zeros_like(e[:, 0, 0]), torch.ones_like(e[:, 0, 0])
    rows, targets = [], []
    for i in range(4):
        ex, ey, sx, sy = e[:, i, 0], e[:, i, 1], s[:, i, 0], s[:, i, 1]
        rows.append(torch.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], dim=-1))
        rows.append(torch.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], dim=-1))
        targets += [sx, sy]
    solution = torch.linalg.solve(torch.stack(rows, dim=1), torch.stack(targets, dim=-1).unsqueeze(-1))
    return solution.squeeze(-1).to(start_points.dtype)


@keras_export("keras.layers.RandomPerspective")
class RandomPerspective(BaseImagePreprocessingLayer):
    """During training, with a probability drawn from `factor`, move the four image corners by up to
    `scale / 2` of their coordinates and warp the image accordingly (outside pixels get `fill_value`).
    Identity at inference; outputs are floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation
        make_seed_generator(self, seed)
        self.supports_jit = False
        if scale < 0.0 or scale > 1.0:
            raise ValueError(f"The `scale` argument should be a number in the range [0,1]. Received: scale={scale}")
        check_modes(None, interpolation)
        self.height_axis, self.width_axis, self.channel_axis = self._spatial_axes(4)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        batch_size = self._batch_size(images)
        height, width = shape[self.height_axis], shape[self.width_axis]
        device = self._device(images)
        dtype = to_torch_dtype(self.compute_dtype)
        gen = self._torch_generator(seed, images)
        probability = self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], device)
        threshold = self._uniform(gen, (batch_size,), 0.0, 1.0, device)
        perspective_factor = self._uniform(gen, (batch_size, 4, 2), -0.5 * self.scale, 0.5 * self.scale, device, dtype)
        start_points = torch.tensor([[[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]]],
                                    dtype=dtype, device=device).repeat(batch_size, 1, 1)
        end_points = start_points + start_points * perspective_factor
        return {"apply_perspective": threshold < probability, "start_points": start_points,
                "end_points": end_points, "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        unbatched = images.dim() == 3
        if unbatched:
            images = images.unsqueeze(0)
        start, end = (transformation[k].to(images.device) for k in ("start_points", "end_points"))
        transform = homography_matrix(start.reshape(-1, 4, 2), end.reshape(-1, 4, 2))
        outputs = apply_transform(images, transform, interpolation, "constant", self.fill_value, self.data_format)
        apply = transformation["apply_perspective"].to(images.device).reshape(-1, 1, 1, 1)
        outputs = torch.where(apply, outputs, images)
        return outputs.squeeze(0) if unbatched else outputs

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        height, width = transformation["input_shape"][self.height_axis], transformation["input_shape"][self.width_axis]
        bounding_boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                        height=height, width=width)
        boxes = bounding_boxes["boxes"]
        dtype = to_torch_dtype(self.compute_dtype)
        transform = homography_matrix(transformation["start_points"], transformation["end_points"]).to(
            boxes.device, dtype)
        matrix = torch.cat([transform, torch.ones_like(transform[:, :1])], dim=-1).reshape(-1, 3, 3)
        inverse = torch.linalg.inv(matrix).unsqueeze(1)  # (batch, 1, 3, 3): output pixel <- input pixel
        x0, y0, x1, y1 = boxes.unbind(-1)
        corners = torch.stack([torch.stack([x0, x1, x0, x1], -1), torch.stack([y0, y1, y1, y0], -1),
                               torch.ones_like(x0).unsqueeze(-1).expand(*x0.shape, 4)], dim=-2)
        moved = inverse @ corners  # (batch, N, 3, 4)
        xs, ys = moved[..., 0, :] / moved[..., 2, :], moved[..., 1, :] / moved[..., 2, :]
        warped = torch.stack([xs.amin(-1), ys.amin(-1), xs.amax(-1), ys.amax(-1)], dim=-1)
        apply = transformation["apply_perspective"].to(boxes.device).reshape(-1, 1, 1)
        bounding_boxes["boxes"] = torch.where(apply, warped.to(boxes.dtype), boxes)
        bounding_boxes = clip_to_image_size(bounding_boxes, height=height, width=width, bounding_box_format="xyxy")
        return convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format, height=height,
                              width=width)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "seed": self.seed})
        return config
