"""`keras.distillation.Distiller`: a model that trains a student against a frozen teacher.

The distiller's forward pass is the student's; `compute_loss` mixes the student's supervised loss (the `loss`
given to `compile`) with the distillation losses between teacher and student outputs, or between
intermediate features taken through feature-extractor models built over the teacher's and student's layers:

    total = student_loss_weight * student_loss + (1 - student_loss_weight) * sum(w_i * distillation_loss_i)

As in Keras, the student loss is not weighted by `sample_weight` and the models' regularization losses are
not added. The teacher runs in inference mode without recording gradients (it is frozen).
"""
import warnings

import torch

from torchkeras import metrics as metrics_module
from torchkeras import ops
from torchkeras import tree
from torchkeras.api_export import keras_export
from torchkeras.distillation.distillation_loss import _convert_loss_to_function
from torchkeras.models.model import Model
from torchkeras.models.sequential import Sequential
from torchkeras.saving import serialization_lib


@keras_export("keras.distillation.Distiller")
class Distiller(Model):
    """Distillation model for transferring knowledge from teacher to student.

    Args:
        teacher: a trained `keras.Model`, the source of knowledge; frozen during distillation.
        student: the `keras.Model` to train.
        distillation_losses: a distillation loss (`LogitsDistillation`, `FeatureDistillation`, or a custom
            `DistillationLoss`) or a list of them.
        distillation_loss_weights: one weight per distillation loss; `None` weighs them equally.
        student_loss_weight: the weight, between 0 and 1, of the student's supervised loss; the distillation
            losses get `1 - student_loss_weight`. Defaults to 0.5.
        name: the distiller's name. Defaults to `"distiller"`.

    ```python
    distiller = keras.distillation.Distiller(
        teacher=teacher,
        student=student,
        distillation_losses=keras.distillation.LogitsDistillation(temperature=3.0),
    )
    distiller.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    distiller.fit(x_train, y_train, epochs=10)
    trained_student = distiller.student
    ```
    """

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight=0.5, name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        self._validate_models(teacher, student)
        self.teacher = teacher
        self.student = student

        if not isinstance(student_loss_weight, (int, float)):
            raise ValueError(f"student_loss_weight must be a number, got {type(student_loss_weight)}")
        if student_loss_weight < 0.0 or student_loss_weight > 1.0:
            raise ValueError(f"student_loss_weight must be between 0.0 and 1.0, got {student_loss_weight}")
        self.student_loss_weight = student_loss_weight

        if distillation_losses is None:
            raise ValueError(
                "'distillation_losses' cannot be `None`. Provide a distillation loss (e.g., LogitsDistillation "
                "or FeatureDistillation) or a list of distillation losses."
            )
        if not isinstance(distillation_losses, (list, tuple)):
            self.distillation_losses = [distillation_losses]
            self.distillation_loss_weights = [1.0]
        else:
            self.distillation_losses = list(distillation_losses)
            if distillation_loss_weights is None:
                self.distillation_loss_weights = [1.0] * len(distillation_losses)
            else:
                if len(distillation_loss_weights) != len(distillation_losses):
                    raise ValueError(
                        f"Number of distillation_loss_weights ({len(distillation_loss_weights)}) must match "
                        f"number of distillation_losses ({len(distillation_losses)})"
                    )
                self.distillation_loss_weights = list(distillation_loss_weights)

        for distillation_loss in self.distillation_losses:
            distillation_loss.validate_model_compatibility(teacher, student)
        self._create_multi_feature_extractors()

        self.teacher.trainable = False
        self.student_loss_tracker = metrics_module.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics_module.Mean(name="distillation_loss")
        self.total_loss_tracker = metrics_module.Mean(name="total_loss")

    # --- validation ------------------------------------------------------------------------------------
    def _validate_models(self, teacher, student):
        if not isinstance(teacher, Model):
            raise ValueError(f"Teacher must be a keras.Model, got {type(teacher)}")
        if not isinstance(student, Model):
            raise ValueError(f"Student must be a keras.Model, got {type(student)}")
        teacher_inputs, student_inputs = getattr(teacher, "inputs", None), getattr(student, "inputs", None)
        if teacher_inputs is None or student_inputs is None:
            return  # subclassed models: nothing declared to compare
        tree.map_structure(lambda t, s: _check_shapes(t.shape, s.shape, "input"), teacher_inputs, student_inputs)
        teacher_outputs, student_outputs = getattr(teacher, "outputs", None), getattr(student, "outputs", None)
        if teacher_outputs is not None and student_outputs is not None:
            tree.map_structure(lambda t, s: _check_shapes(t.shape, s.shape, "output"), teacher_outputs,
                               student_outputs)
        tree.map_structure(lambda t, s: _check_dtypes(t.dtype, s.dtype, "input"), teacher_inputs, student_inputs)
        if teacher_outputs is not None and student_outputs is not None:
            tree.map_structure(lambda t, s: _check_dtypes(t.dtype, s.dtype, "output"), teacher_outputs,
                               student_outputs)

    # --- feature extraction ----------------------------------------------------------------------------
    def _create_multi_feature_extractors(self):
        """One model per side returning the final output and every intermediate layer output a distillation
        loss asks for, so each side runs once per step."""
        teacher_layer_names, student_layer_names = [], []
        for distillation_loss in self.distillation_losses:
            name = getattr(distillation_loss, "teacher_layer_name", None)
            if name and name not in teacher_layer_names:
                teacher_layer_names.append(name)
            name = getattr(distillation_loss, "student_layer_name", None)
            if name and name not in student_layer_names:
                student_layer_names.append(name)
        self._teacher_feature_extractor = self._create_feature_extractor(self.teacher, teacher_layer_names)
        self._student_feature_extractor = self._create_feature_extractor(self.student, student_layer_names)

    def _create_feature_extractor(self, model, layer_names):
        if not layer_names:
            return None
        if getattr(model, "inputs", None) is None:
            raise ValueError(
                f"Cannot create feature extractor for {model.name}. The model has no symbolic inputs attribute."
            )
        final_output = model.layers[-1].output if isinstance(model, Sequential) else model.output
        outputs = {"final_output": final_output}
        for layer_name in layer_names:
            outputs[layer_name] = model.get_layer(name=layer_name).output
        return Model(inputs=model.inputs, outputs=outputs, name=f"{model.name}_multi_feature_extractor")

    def _extract_all_teacher_features(self, x):
        """The teacher's final output and requested features, in one inference-mode pass."""
        with torch.no_grad():
            if self._teacher_feature_extractor is not None:
                return self._teacher_feature_extractor(x, training=False)
            return {"final_output": self.teacher(x, training=False)}

    def _extract_all_student_features(self, x, y_pred, training=True):
        """The student's final output (`y_pred`) and requested features."""
        if self._student_feature_extractor is not None:
            return self._student_feature_extractor(x, training=training)
        return {"final_output": y_pred}

    def _get_distillation_loss_features(self, distillation_loss, all_features, is_teacher):
        if is_teacher:
            layer_name = distillation_loss.teacher_layer_name or "final_output"
        else:
            layer_name = distillation_loss.student_layer_name or "final_output"
        if layer_name not in all_features:
            raise ValueError(
                f"Layer '{layer_name}' not found in extracted features. Available: {list(all_features.keys())}"
            )
        return all_features[layer_name]

    # --- training --------------------------------------------------------------------------------------
    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configure training: `optimizer` trains the student, `loss` is the student's supervised loss (a
        string identifier, a loss, or a structure of those matching the outputs), `metrics` a list or tuple
        of metrics on the student's predictions."""
        if loss is None:
            raise ValueError("'loss' cannot be `None`.")
        self._student_loss = tree.map_structure(_convert_loss_to_function, loss)
        self._student_loss_for_serialization = loss
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"metrics must be a list or tuple, got {type(metrics)}")
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def compile_from_config(self, config):
        warnings.warn(
            "`compile()` was not called as part of model loading because the model's `compile()` method is "
            "custom. All subclassed Models that have `compile()` overridden should also override "
            "`get_compile_config()` and `compile_from_config(config)`. Alternatively, you can call "
            "`compile()` manually after loading.",
            stacklevel=2,
        )

    def call(self, inputs, training=None, **kwargs):
        """The student's predictions."""
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The combined loss: `student_loss_weight` times the student's loss plus `1 - student_loss_weight`
        times the weighted sum of the distillation losses. Updates the `student_loss`, `distillation_loss`
        and `total_loss` metrics."""
        if y_pred is None:
            y_pred = self(x, training=training)

        student_loss = 0.0
        if self.student_loss_weight > 0.0 and y is not None:
            values = tree.flatten(tree.map_structure(lambda loss, target, pred: loss(target, pred),
                                                     self._student_loss, y, y_pred))
            student_loss = ops.sum(ops.stack(values)) if len(values) > 1 else values[0]
            if len(getattr(student_loss, "shape", ())) > 0:
                student_loss = ops.mean(student_loss)

        distillation_loss = 0.0
        if self.student_loss_weight < 1.0:
            teacher_features = self._extract_all_teacher_features(x)
            student_features = self._extract_all_student_features(x, y_pred, training=training)
            for loss_fn, weight in zip(self.distillation_losses, self.distillation_loss_weights):
                if getattr(loss_fn, "teacher_layer_name", None) is not None:
                    try:
                        teacher_output = self._get_distillation_loss_features(loss_fn, teacher_features, True)
                        student_output = self._get_distillation_loss_features(loss_fn, student_features, False)
                    except ValueError as e:
                        raise RuntimeError(
                            f"Failed to extract features for {type(loss_fn).__name__} targeting teacher layer "
                            f"'{loss_fn.teacher_layer_name}' and student layer '{loss_fn.student_layer_name}'. "
                            f"Original error: {e}"
                        ) from e
                else:
                    teacher_output = teacher_features["final_output"]
                    student_output = y_pred
                loss_fn.validate_outputs(teacher_output, student_output)
                value = loss_fn.compute_loss(teacher_output, student_output)
                if len(getattr(value, "shape", ())) > 0:
                    raise ValueError(
                        f"Distillation loss {loss_fn.__class__.__name__} returned a non-scalar loss with shape "
                        f"{value.shape}. The compute_loss method must return a scalar tensor."
                    )
                distillation_loss = ops.add(distillation_loss, ops.multiply(weight, value))

        total_loss = ops.add(ops.multiply(self.student_loss_weight, student_loss),
                             ops.multiply(ops.subtract(1.0, self.student_loss_weight), distillation_loss))
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.total_loss_tracker.update_state(total_loss)
        return total_loss

    def reset_metrics(self):
        super().reset_metrics()
        self.student_loss_tracker.reset_state()
        self.distillation_loss_tracker.reset_state()
        self.total_loss_tracker.reset_state()

    # --- saving ----------------------------------------------------------------------------------------
    def _keras_saveable_children(self):
        """The children in the order Keras's saving walk visits a subclassed model's attributes: `layers`
        (teacher, student, then the feature extractors) before `optimizer`, so files match Keras's layout
        (`layers/sequential`, `layers/sequential_1`, `layers/functional`, ...)."""
        children = [("distillation_loss_tracker", self.distillation_loss_tracker), ("layers", list(self.layers))]
        if self.optimizer is not None:
            children.append(("optimizer", self.optimizer))
        children += [("student_loss_tracker", self.student_loss_tracker),
                     ("total_loss_tracker", self.total_loss_tracker)]
        return children

    # --- config ----------------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "teacher": serialization_lib.serialize_keras_object(self.teacher),
            "student": serialization_lib.serialize_keras_object(self.student),
            "distillation_losses": [serialization_lib.serialize_keras_object(loss)
                                    for loss in self.distillation_losses],
            "distillation_loss_weights": list(self.distillation_loss_weights),
            "student_loss_weight": self.student_loss_weight,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("teacher", "student"):
            config[key] = serialization_lib.deserialize_keras_object(config[key], custom_objects=custom_objects)
        config["distillation_losses"] = [
            serialization_lib.deserialize_keras_object(loss, custom_objects=custom_objects)
            for loss in config["distillation_losses"]
        ]
        return cls(**config)


def _check_shapes(teacher_shape, student_shape, context):
    if len(teacher_shape) != len(student_shape):
        raise ValueError(
            f"Teacher and student {context} shapes have different dimensions. Teacher: {teacher_shape}, "
            f"Student: {student_shape}."
        )
    for t, s in zip(teacher_shape, student_shape):
        if t is not None and s is not None and t != s:
            raise ValueError(
                f"Teacher and student {context} shapes are incompatible. Teacher: {teacher_shape}, "
                f"Student: {student_shape}. All dimensions must match."
            )


def _check_dtypes(teacher_dtype, student_dtype, context):
    if teacher_dtype != student_dtype:
        raise ValueError(
            f"Teacher and student {context} dtypes must match. Teacher: {teacher_dtype}, Student: {student_dtype}."
        )
