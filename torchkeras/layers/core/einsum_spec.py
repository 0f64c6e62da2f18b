"""The einsum equation of an `EinsumDense` layer: weight shapes for an input shape (`EinsumSpec`), and the
axes its quantization reduces, moves and broadcasts (`QuantizationAxes`)."""
import re
import string

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


class QuantizationAxes:
    """How per-channel scales of the inputs and the kernel line up with an EinsumDense output (Keras's layout of
    `kernel_scale`, so files agree).

    For each operand: `reduced` (axes absent from the output, quantized over), and the moves that bring a scale
    of the operand's rank (reduced axes kept as size 1) to broadcast against the output: `transpose` (to output
    order, the reduced size-1 axes taking the places of output axes the operand lacks), then `expand` (size-1
    axes inserted for output axes still missing) and `squeeze` (reduced axes left over). `gradient_equation`
    maps the output gradient back to the inputs.
    """

    def __init__(self, equation, input_ndim):
        inputs, kernel, outputs = _canonical_specs(equation, input_ndim)
        (self.input_reduced, self.input_transpose, self.input_expand,
         self.input_squeeze) = _scale_moves(inputs, outputs)
        (self.kernel_reduced, self.kernel_transpose, self.kernel_expand,
         self.kernel_squeeze) = _scale_moves(kernel, outputs)
        self.gradient_equation = f"{outputs},{kernel}->{inputs}"

    def kernel_scale_shape(self, kernel_shape):
        """The stored per-channel `kernel_scale` shape for a kernel of `kernel_shape`."""
        shape = [1 if i in self.kernel_reduced else d for i, d in enumerate(kernel_shape)]
        shape = [shape[i] for i in self.kernel_transpose]
        for axis in sorted(self.kernel_expand):
            shape.insert(axis, 1)
        for axis in sorted(self.kernel_squeeze, reverse=True):
            shape.pop(axis)
        return shape

    def to_output_layout(self, scale, operand):
        """A scale of the operand's rank (reduced axes of size 1) moved to broadcast against the output."""
        transpose, expand, squeeze = self._moves(operand)
        if transpose:
            scale = scale.permute(transpose)
        for axis in sorted(expand):
            scale = scale.unsqueeze(axis)
        if squeeze:
            scale = _squeeze(scale, squeeze)
        return scale

    def to_kernel_layout(self, scale):
        """The stored `kernel_scale` moved back to broadcast against the kernel (the inverse moves)."""
        for axis in sorted(self.kernel_squeeze):
            scale = scale.unsqueeze(axis)
        if self.kernel_expand:
            scale = _squeeze(scale, self.kernel_expand)
        if self.kernel_transpose:
            inverse = sorted(range(len(self.kernel_transpose)), key=self.kernel_transpose.__getitem__)
            scale = scale.permute(inverse)
        return scale

    def _moves(self, operand):
        if operand == "kernel":
            return self.kernel_transpose, self.kernel_expand, self.kernel_squeeze
        return self.input_transpose, self.input_expand, self.input_squeeze


def _squeeze(tensor, axes):
    for axis in sorted(axes, reverse=True):
        if tensor.shape[axis] != 1:
            raise ValueError(f"Cannot squeeze axis {axis} of size {tensor.shape[axis]} from shape "
                             f"{tuple(tensor.shape)}.")
        tensor = tensor.squeeze(axis)
    return tensor


def _canonical_specs(equation, input_ndim):
    """The input, kernel and output letters with `...` replaced by letters (sorted, unused ones) for an input of
    rank `input_ndim`."""
    dotted = equation.replace("...", "0")
    match = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dotted)
    if match:
        return match.groups()
    for pattern, left in ((r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        match = re.fullmatch(pattern, dotted)
        if match:
            inputs, kernel, outputs = match.groups()
            free = sorted(set(string.ascii_letters) - set(inputs) - set(kernel) - set(outputs))
            for letter in free[:input_ndim - len(inputs)]:
                inputs, outputs = (letter + inputs, letter + outputs) if left else \
                    (inputs + letter, outputs + letter)
            return inputs, kernel, outputs
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
                     "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _scale_moves(spec, outputs):
    """`(reduced, transpose, expand, squeeze)` for an operand with letters `spec` (see `QuantizationAxes`)."""
    reduced = [i for i, letter in enumerate(spec) if letter not in outputs]
    expand = [i for i, letter in enumerate(outputs) if letter not in spec]
    transpose = [spec.index(letter) for letter in outputs if letter in spec]
    squeeze = []
    place = None
    for axis in reduced:
        # Each reduced (size-1) axis takes the place of an output axis the operand lacks; when none is left it is
        # squeezed, and put beside the previous one.
        if expand:
            place = expand.pop(0)
        else:
            squeeze.append(axis)
        if place is None:
            raise ValueError(f"EinsumDense cannot quantize the operand '{spec}' of an equation with output "
                             f"'{outputs}': its reduced axes have no output axis to stand for.")
        transpose.insert(place, axis)
    return reduced, transpose, expand, squeeze
