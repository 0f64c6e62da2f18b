"""Base of the random geometric layers (rotation, zoom, translation): validated fill and interpolation
modes, and applying per-image affine matrices with `keras.ops.image.affine_transform`."""
from torchkeras.layers.preprocessing.image_layer import ImagePreprocessingLayer

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def factor_range(factor, name, message, open_below=False):
    """`(lower, upper)` from a `factor`: a number `f` (meaning `[-|f|, |f|]`) or two numbers, each in
    `[-1, 1]` (`(-1, 1]` with `open_below`). Keras's error starts with `message`."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        values = list(factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        values = [factor]
    else:
        raise ValueError(message + f"Received: {name}={factor}")
    for v in values:
        if v > 1.0 or v < -1.0 or (open_below and v == -1.0):
            raise ValueError(message + f"Received: input_number={v}")
    if len(values) == 2:
        return tuple(sorted(values))
    return (-abs(factor), abs(factor))


class RandomAffineLayer(ImagePreprocessingLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {FILL_MODES}.")
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {INTERPOLATIONS}.")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self._make_seed_generator(seed)

    def transform_images(self, images, training):
        images = self._compute_tensor(images)
        if not training:
            return images
        from torchkeras.ops.image import affine_transform

        height_axis, width_axis = self._hw_axes(4)
        matrix = self.transform_matrix(images, images.shape[height_axis], images.shape[width_axis])
        return affine_transform(images, matrix, interpolation=self.interpolation, fill_mode=self.fill_mode,
                                fill_value=self.fill_value, data_format=self.data_format)

    def transform_matrix(self, images, height, width):
        """One `(8,)` projective transform per image (output pixel -> input pixel)."""
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value})
        return config
