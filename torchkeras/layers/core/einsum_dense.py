"""`keras.layers.EinsumDense`: a dense layer whose contraction is an einsum equation."""
import math
import re

import torch
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.initializers.variance_scaling import VarianceScaling
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer

_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), False),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)"), True),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0"), False),
)


class EinsumSpec:
    """The parsed equation of an EinsumDense layer for one input shape.

    Attributes: `kernel_shape`, `bias_shape` (or None), `output_shape` (full, with the batch axis),
    `input_axes` / `output_axes` (kernel axes contracted with the input / kept in the output), and the
    letter strings `inputs`, `kernel`, `outputs`, `left_elided`, `elided`.
    """

    def __init__(self, equation, bias_axes, input_shape, output_shape):
        dotted = equation.replace("...", "0")
        match, left = None, False
        for pattern, is_left in _FORMS:
            match = pattern.fullmatch(dotted)
            if match:
                left = is_left
                break
        if match is None:
            raise ValueError(
                f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
                "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
            )
        self.inputs, self.kernel, self.outputs = match.group(1), match.group(2), match.group(3)
        self.left_elided = left
        input_shape = tuple(input_shape)
        elided = len(input_shape) - len(self.inputs)
        self.elided = max(elided, 0)
        partial = [output_shape] if isinstance(output_shape, int) else list(output_shape)
        full = [input_shape[0]]
        if elided > 0 and left:
            full += list(input_shape[1:elided])
        full += partial
        if elided > 0 and not left:
            full += list(input_shape[len(input_shape) - elided:])
        if left:
            in_pos = {d: i + elided - len(input_shape) for i, d in enumerate(self.inputs)}
            out_pos = {d: i + elided for i, d in enumerate(self.outputs)}
        else:
            in_pos = {d: i for i, d in enumerate(self.inputs)}
            out_pos = {d: i for i, d in enumerate(self.outputs)}
        if len(full) <= max(out_pos.values(), default=-1):
            raise ValueError(
                f"The `output_shape` {tuple(partial)} of EinsumDense does not fit the equation '{equation}' for "
                f"inputs of shape {input_shape}: it needs one size per output axis after the batch axis."
            )
        for d in self.inputs:
            if d in out_pos:
                in_size, out_size = input_shape[in_pos[d]], full[out_pos[d]]
                if out_size is not None and in_size is not None and out_size != in_size:
                    raise ValueError(
                        f"Input shape and output shape do not match at shared dimension '{d}'. Input shape is "
                        f"{in_size}, and output shape is {out_size}."
                    )
                if out_size is None:
                    full[out_pos[d]] = in_size
        for d in self.outputs:
            if d not in self.inputs and d not in self.kernel:
                raise ValueError(
                    f"Dimension '{d}' was specified in the output '{self.outputs}' but has no corresponding dim in "
                    f"the input spec '{self.inputs}' or weight spec '{self.kernel}'"
                )
        kernel_shape, input_axes, output_axes = [], [], []
        for i, d in enumerate(self.kernel):
            if d in out_pos:
                kernel_shape.append(full[out_pos[d]])
                output_axes.append(i)
            elif d in in_pos:
                kernel_shape.append(input_shape[in_pos[d]])
                input_axes.append(i)
            else:
                raise ValueError(
                    f"Weight dimension '{d}' did not have a match in either the input spec '{self.inputs}' or the "
                    f"output spec '{self.outputs}'. For this layer, the weight must be fully specified."
                )
        self.kernel_shape = kernel_shape
        self.input_axes, self.output_axes = input_axes, output_axes
        self.output_shape = tuple(full)
        self.bias_shape = None
        if bias_axes is not None:
            offset = elided if left else 0
            for c in bias_axes:
                if c not in self.outputs:
                    raise ValueError(
                        f"Bias dimension '{c}' was requested, but is not part of the output spec '{self.outputs}'")
            first = min(self.outputs.find(c) for c in bias_axes)
            self.bias_shape = [full[self.outputs.find(c) + offset] if c in bias_axes else 1
                               for c in self.outputs[first:]]
            if not left:
                self.bias_shape += [1] * self.elided

    def matmul_plan(self):
        """`(n_free, n_out)` (numbers of letters) when the einsum is a plain matmul over the input's trailing
        axes, else None.

        That is: input = free + bound, kernel = bound + out, output = free + out (letters in order), with
        nothing elided on the right. Then `x.reshape(-1, K) @ kernel.reshape(K, N)` computes it.
        """
        if self.elided and not self.left_elided:
            return None
        for n_bound in range(1, len(self.inputs) + 1):
            bound = self.inputs[len(self.inputs) - n_bound:]
            free = self.inputs[:len(self.inputs) - n_bound]
            if self.kernel.startswith(bound):
                out = self.kernel[n_bound:]
                if self.outputs == free + out and not set(bound) & set(free + out) and len(set(self.kernel)) == len(
                        self.kernel):
                    return len(free), len(out)
        return None


@keras_export("keras.layers.EinsumDense")
class EinsumDense(Layer):
    """A dense layer defined by an einsum `equation` between the inputs and a kernel.

    `output_shape` is the expected output shape without the batch axis (None for sizes taken from the
    input); `bias_axes` names the output letters that get a bias. Example: `EinsumDense("abc,cd->abd",
    output_shape=(None, 64), bias_axes="d")` applies a `(c, 64)` kernel to the last axis of 3D inputs.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, gptq_unpacked_column_size=None,
                 quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if quantization_config is not None:
            raise ValueError(
                "EinsumDense: quantized layers (`quantization_config`) are not supported by torchkeras. "
                f"Received: quantization_config={quantization_config}"
            )
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self.quantization_config = None
        self._plan = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        spec = EinsumSpec(self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if any(d is None for d in spec.kernel_shape):
            raise ValueError(
                f"EinsumDense needs defined sizes for every kernel axis. Equation '{self.equation}', input shape "
                f"{input_shape}, output_shape {self.partial_output_shape} give kernel shape {spec.kernel_shape}."
            )
        self.input_spec = InputSpec(ndim=len(input_shape))
        kernel_initializer = self.kernel_initializer
        if isinstance(kernel_initializer, VarianceScaling) and (
                kernel_initializer.input_axes is None or kernel_initializer.output_axes is None):
            config = kernel_initializer.get_config()
            config.update({"seed": kernel_initializer.seed, "input_axes": spec.input_axes,
                           "output_axes": spec.output_axes})
            kernel_initializer = type(kernel_initializer).from_config(config)
        self.kernel = self.add_weight(name="kernel", shape=tuple(spec.kernel_shape), initializer=kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      trainable=True)
        if spec.bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(spec.bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        trainable=True)
        else:
            self.bias = None
        self._set_plan(spec)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def _set_plan(self, spec):
        plan = spec.matmul_plan()
        if plan is None:
            self._plan = None
            return
        _, n_out = plan
        shape = tuple(self.kernel.shape)
        n_bound = len(shape) - n_out
        out_dims = shape[n_bound:]
        # The bias can go into the fused matmul when it spans exactly the kernel's output axes.
        fused_bias = self.bias is not None and tuple(self.bias.shape) == out_dims
        self._plan = (n_bound, math.prod(shape[:n_bound]), math.prod(out_dims), out_dims, fused_bias)

    def _kernel_value(self):
        kernel = self.kernel
        if self.lora_enabled:
            delta = (self.lora_alpha / self.lora_rank) * torch.matmul(self.lora_kernel_a, self.lora_kernel_b)
            kernel = kernel + delta.to(kernel.dtype)
        return kernel

    def call(self, inputs, training=None):
        kernel = self._kernel_value()
        if self._plan is not None:
            n_bound, k, n, out_dims, fused_bias = self._plan
            lead = tuple(inputs.shape[:inputs.dim() - n_bound])
            bias = self.bias.reshape(n) if fused_bias else None
            out = F.linear(inputs.reshape(lead + (k,)), kernel.reshape(k, n).t(), bias).reshape(lead + out_dims)
            if self.bias is not None and not fused_bias:
                out = out + self.bias
            return self._activate(out)
        out = torch.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            out = out + self.bias
        return self._activate(out)

    def _activate(self, x):
        if self.activation is None or self.activation is activations.linear:
            return x
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return EinsumSpec(self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape).output_shape

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and learn a low-rank update `(lora_alpha / rank) * lora_kernel_a @ lora_kernel_b`."""
        if self.kernel_constraint:
            raise ValueError("Lora is incompatible with kernel constraints. In order to enable lora on this layer, "
                             "remove the `kernel_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        shape = tuple(self.kernel.shape)
        self.lora_kernel_a = self.add_weight(name="lora_kernel_a", shape=shape[:-1] + (rank,),
                                             initializer=initializers.get(a_initializer),
                                             regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight(name="lora_kernel_b", shape=(rank, shape[-1]),
                                             initializer=initializers.get(b_initializer),
                                             regularizer=self.kernel_regularizer)
        self.kernel.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        if self.gptq_unpacked_column_size:
            config["gptq_unpacked_column_size"] = self.gptq_unpacked_column_size
        return config
