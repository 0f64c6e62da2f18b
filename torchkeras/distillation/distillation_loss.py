"""The distillation losses: how a student's outputs (or intermediate features) are compared with a teacher's."""
from torchkeras import losses as losses_module
from torchkeras import ops
from torchkeras import tree
from torchkeras.api_export import keras_export
from torchkeras.saving import serialization_lib


def _convert_loss_to_function(loss_item):
    """A loss given as a string identifier becomes its loss function; instances and None stay as they are."""
    if loss_item is None:
        return None
    if isinstance(loss_item, str):
        loss_fn = losses_module.get(loss_item)
        if loss_fn is None:
            raise ValueError(f"Unknown loss function: '{loss_item}'.")
        return loss_fn
    return loss_item


def _check_some_loss(loss, message):
    if all(item is None for item in tree.flatten(loss)):
        raise ValueError(message)


def _sum_of(values):
    return ops.sum(ops.stack(tree.flatten(values)))


@keras_export("keras.distillation.DistillationLoss")
class DistillationLoss:
    """Base class for distillation loss computation.

    A distillation loss says how to compare the teacher's and the student's outputs. To create a custom one,
    subclass this class and override `compute_loss`.
    """

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The distillation loss (a scalar) between teacher and student outputs (tensors or structures of
        tensors, for multi-output models)."""
        raise NotImplementedError("Subclasses must implement compute_loss")

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Raise a `ValueError` when teacher and student outputs are not compatible."""
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student):
        """Raise a `ValueError` when the teacher and student models cannot be used with this loss."""


@keras_export("keras.distillation.FeatureDistillation")
class FeatureDistillation(DistillationLoss):
    """Feature distillation loss: transfers knowledge from intermediate layers of the teacher to layers of the
    student.

    Args:
        loss: the loss comparing the features: a string identifier (`"mse"`, `"cosine_similarity"`, ...), a
            Keras loss, or a structure of those matching the output structure, where `None` skips an output.
            At least one loss must be non-`None`. Defaults to `"mse"`.
        teacher_layer_name: the teacher layer to take features from; `None` uses the final output.
        student_layer_name: the student layer to take features from; `None` uses the final output.

    ```python
    distillation_loss = FeatureDistillation(
        loss="mse", teacher_layer_name="dense_1", student_layer_name="dense_1")
    ```
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = tree.map_structure(_convert_loss_to_function, loss)
        _check_some_loss(self.loss, "The `loss` argument in `FeatureDistillation` must contain at least one "
                                    "non-`None` value.")

    def validate_model_compatibility(self, teacher, student):
        """Layer names need Functional or Sequential models, and must name layers of them."""
        if self.teacher_layer_name is not None or self.student_layer_name is not None:
            subclassed = [role for role, model in (("teacher", teacher), ("student", student))
                          if getattr(model, "inputs", None) is None]
            if subclassed:
                raise ValueError(
                    "FeatureDistillation with specific layer names requires Functional or Sequential models. "
                    f"The {' and '.join(subclassed)} model(s) appear to be subclassed (no symbolic "
                    "inputs/outputs). Either use Functional/Sequential models, or use FeatureDistillation "
                    "without layer names (to distill final outputs only), or use LogitsDistillation instead."
                )
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as e:
                    raise ValueError(f"In {role} model: {e}") from None

    def validate_outputs(self, teacher_outputs, student_outputs):
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except ValueError as e:
            raise ValueError(
                f"Loss structure mismatch. Loss structure: {_describe(self.loss)}, Output structure: "
                f"{_describe(teacher_outputs)}. Error: {e}"
            ) from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The mean of each loss over the features, summed over the outputs."""

        def apply_loss(loss_fn, teacher_features, student_features):
            if loss_fn is None:
                return 0.0
            return ops.mean(loss_fn(teacher_features, student_features))

        return _sum_of(tree.map_structure(apply_loss, self.loss, teacher_outputs, student_outputs))

    def get_config(self):
        return {
            "loss": losses_module.serialize(self.loss),
            "teacher_layer_name": self.teacher_layer_name,
            "student_layer_name": self.student_layer_name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = losses_module.deserialize(config["loss"])
        return cls(**config)


@keras_export("keras.distillation.LogitsDistillation")
class LogitsDistillation(DistillationLoss):
    """Distillation loss that transfers knowledge from the final model outputs (logits).

    Teacher and student logits are divided by `temperature` before the loss compares them. A
    `keras.losses.KLDivergence` instance compares the softmax probabilities and is scaled by `temperature**2`;
    any other loss (including the `"kl_divergence"` function) compares the scaled logits directly.

    Args:
        temperature: the softmax temperature (typically 3 to 5). Defaults to 3.0.
        loss: a string identifier, a Keras loss, or a structure of those matching the output structure, where
            `None` skips an output. At least one loss must be non-`None`. Defaults to `"kl_divergence"`.
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = tree.map_structure(_convert_loss_to_function, loss)
        _check_some_loss(self.loss, "At least one loss must be non-`None`.")
        if not isinstance(self.temperature, (int, float)):
            raise ValueError(f"temperature must be a number, got {type(self.temperature)}")
        if self.temperature <= 0.0:
            raise ValueError("temperature must be positive.")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The loss between temperature-scaled teacher and student logits, summed over the outputs."""
        teacher_scaled = tree.map_structure(lambda x: ops.divide(x, self.temperature), teacher_outputs)
        student_scaled = tree.map_structure(lambda x: ops.divide(x, self.temperature), student_outputs)

        def apply_loss(loss_fn, teacher_logits, student_logits):
            if loss_fn is None:
                return 0.0
            if isinstance(loss_fn, losses_module.KLDivergence):
                teacher_probs = ops.softmax(teacher_logits, axis=-1)
                student_probs = ops.softmax(student_logits, axis=-1)
                return ops.mean(loss_fn(teacher_probs, student_probs)) * (self.temperature ** 2)
            return ops.mean(loss_fn(teacher_logits, student_logits))

        return _sum_of(tree.map_structure(apply_loss, self.loss, teacher_scaled, student_scaled))

    def get_config(self):
        return {
            "temperature": self.temperature,
            "loss": serialization_lib.serialize_keras_object(self.loss),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = losses_module.deserialize(config["loss"])
        return cls(**config)


def _describe(structure):
    """A structure with its leaves shown as `*` (as `keras.tree` prints one)."""
    return tree.map_structure(lambda _: "*", structure)
