"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts, as plain text.

Keras 3 draws the table with `rich`. torchkeras draws the same characters itself (no dependency, no
colours): the same column widths (rich's shrinking of fixed-width columns), the same word wrapping and
ellipsis cropping inside cells, heavy-head box borders, the title and footer wrapped at the console width,
and table lines cropped to it.
"""
import math
import os
import re
import shutil
import sys
import unicodedata

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.utils import io_utils

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")

# Border characters, by part: (left, fill, divider, right). Rich's HEAVY_HEAD box, and its ASCII fallback
# for streams that cannot encode box-drawing characters.
_HEAVY_HEAD = {
    "top": "┏━┳┓", "head": "┃ ┃┃", "head_row": "┡━╇┩", "mid": "│ ││", "row": "├─┼┤", "bottom": "└─┴┘",
}
_ASCII = {
    "top": "+--+", "head": "| ||", "head_row": "|-+|", "mid": "| ||", "row": "|-+|", "bottom": "+--+",
}


# --- public entry point ---------------------------------------------------------------------------------
@keras_export("keras.utils.print_summary", "keras.utils.layer_utils.print_summary")
def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print a summary of a model.

    Args:
        model: Keras model instance.
        line_length: Total length of printed lines (e.g. set this to adapt the display to different
            terminal window sizes). Defaults to the terminal width minus 4, at most 88 (108 with the
            "Connected to" column; 12 more with `show_trainable`).
        positions: Relative positions of the right edge of each column, e.g. `[0.45, 0.80, 1.0]`.
        print_fn: Print function to use. It is called once, with the whole summary as one string.
            Defaults to printing to stdout.
        expand_nested: Whether to expand the nested models.
        show_trainable: Whether to show if a layer is trainable.
        layer_range: List or tuple of two strings, the first and last layer names (both inclusive, regexes
            allowed) of the range of layers to print. `None` prints all layers.
    """
    layers, sequential_like, relevant_nodes = _model_layout(model)
    if sequential_like:
        default_line_length = 88
        positions = positions or [0.45, 0.80, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
        justify = ["left", "left", "right"]
    else:
        default_line_length = 108
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    if show_trainable:
        default_line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        headers.append("Trainable")
        justify.append("center")

    default_line_length = min(default_line_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_line_length
    requested = _requested_widths(positions, line_length)
    if len(requested) < len(headers):
        raise ValueError(
            f"`positions` must give one position per column: {len(headers)} columns ({headers}) need "
            f"{len(headers)} positions. Received: positions={positions}"
        )

    def layer_rows(layer, level=0):
        prefix = "   " * level + "└ " if level else ""
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", _shape_cell(layer), _params_cell(layer)]
        if not sequential_like:
            row.append(_connections_cell(layer, relevant_nodes))
        if show_trainable:
            row.append(_trainable_cell(layer))
        rows = [row]
        if expand_nested and getattr(layer, "layers", None):
            for sublayer in layer.layers:
                rows.extend(layer_rows(sublayer, level + 1))
        return rows

    start, stop = _layer_index_range(layers, layer_range)
    rows = []
    for layer in layers[start:stop]:
        rows.extend(layer_rows(layer))

    console_width = _console_width()
    box = _ASCII if _ascii_only() else _HEAVY_HEAD
    table = _render_table(headers, justify, requested[:len(headers)], rows, line_length, box)
    lines = _wrap(f'Model: "{model.name}"', console_width)
    lines += [_crop(line, console_width) for line in table]
    for label, count, size in _footer(model):
        lines += _wrap(f" {label}: {count:,} ({readable_memory_size(size)})", console_width)
    text = "\n".join(lines) + "\n"

    if not print_fn or print_fn is io_utils.print_msg:
        io_utils.print_msg(text, line_break=False)  # stdout, or logging when interactive logging is off
    else:
        print_fn(text)


# --- which layers, which layout --------------------------------------------------------------------------
def _model_classes():
    from torchkeras.models.functional import Functional
    from torchkeras.models.sequential import Sequential

    return Sequential, Functional


def _model_layout(model):
    """(rows' layers, sequential_like, ids of the nodes of this model's graph)."""
    sequential_cls, functional_cls = _model_classes()
    if isinstance(model, sequential_cls) or not isinstance(model, functional_cls):
        # Sequential and subclassed models: a plain list of layers.
        return list(model.layers), True, set()
    nodes_by_depth = model._nodes_by_depth
    relevant = {id(node) for nodes in nodes_by_depth.values() for node in nodes}
    sequential_like = True
    for nodes in nodes_by_depth.values():
        if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].input_tensors) > 1):
            sequential_like = False
            break
    if sequential_like:
        for layer in model.layers:  # a layer called twice in this graph is shared
            if sum(1 for node in layer._inbound_nodes if id(node) in relevant) > 1:
                sequential_like = False
                break
    return list(model._operations), sequential_like, relevant


def _layer_index_range(layers, layer_range):
    """[first, last + 1] indices of `layers` selected by `layer_range` (two names or regexes)."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            f"Passed layer_names do not match the layer names in the model. Received: {layer_range}"
        )
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


# --- cells -----------------------------------------------------------------------------------------------
def _format_shape(shape):
    return "(" + ", ".join(str(dim) for dim in shape) + ")"


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, int) for d in value)


def _shapes_text(structure):
    """One shape as `(None, 3)`; several as their structure, e.g. `[(None, 2), (None, 3)]`."""
    flat = []

    def convert(value):
        if _is_shape(value):
            text = _format_shape(value)
            flat.append(text)
            return text
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(convert(v) for v in value)
        if isinstance(value, list):
            return [convert(v) for v in value]
        text = str(value)
        flat.append(text)
        return text

    converted = convert(structure)
    if len(flat) == 1:
        return flat[0]
    return str(converted).replace("'", "")


def _shape_cell(layer):
    nodes = getattr(layer, "_inbound_nodes", None) or []
    build_shapes = getattr(layer, "_build_shapes_dict", None)
    if nodes:
        # Like Keras: the outputs of the layer's last call; several outputs print as a list.
        shapes = [_format_shape(t.shape) for t in nodes[-1].outputs]
        return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"
    if not build_shapes:
        return "?"
    # Built by hand or by an eager call: Keras asks compute_output_shape() with the build shapes.
    try:
        if len(build_shapes) == 1:
            shapes = layer.compute_output_shape(next(iter(build_shapes.values())))
        else:
            shapes = layer.compute_output_shape(**build_shapes)
    except Exception:  # noqa: BLE001 - a layer that cannot infer its output shape shows "?"
        return "?"
    return _shapes_text(shapes)


def _params_cell(layer):
    if not hasattr(layer, "built"):
        return "0"
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _connections_cell(layer, relevant_nodes):
    links = []
    for node in getattr(layer, "_inbound_nodes", None) or []:
        if relevant_nodes and id(node) not in relevant_nodes:
            continue  # a call of this layer outside this model
        for tensor in node.input_tensors:
            operation, node_index, tensor_index = tensor._keras_history
            links.append(f"{operation.name}[{node_index}][{tensor_index}]")
    return ", ".join(links) or "-"


def _trainable_cell(layer):
    if len(getattr(layer, "weights", None) or []) > 0:
        return "Y" if layer.trainable else "N"
    return "-"


# --- footer ----------------------------------------------------------------------------------------------
def _distinct(variables):
    unique = {}
    for v in variables:
        unique.setdefault(id(v), v)
    return list(unique.values())


def _count(variables):
    return sum(int(math.prod(tuple(v.shape))) for v in variables)


def _bits(variable):
    dtype = variable.dtype
    if str(dtype) in ("torch.bool", "bool"):
        return 1
    if hasattr(variable, "element_size"):
        return 8 * variable.element_size()
    return 8 * np.dtype(dtype).itemsize


def weight_memory_size(weights):
    """Memory footprint of the distinct `weights`, in bytes (booleans count one bit)."""
    return sum(_count([v]) * _bits(v) for v in _distinct(weights)) / 8


def readable_memory_size(size):
    """Bytes as a readable string: `140.00 B`, `3.82 MB`."""
    for unit in _UNITS:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {_UNITS[-1]}"


def _optimizer_variables(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", True) or not getattr(optimizer, "built", False):
        return None
    variables = optimizer.variables
    return list(variables() if callable(variables) else variables)


def _footer(model):
    """[(label, count, bytes)] for the lines under the table."""
    trainable = getattr(model, "_collected_trainable_weights", None)
    trainable = _distinct(model.trainable_weights if trainable is None else trainable)
    non_trainable = _distinct(model.non_trainable_weights)
    parts = [("Trainable params", _count(trainable), weight_memory_size(trainable)),
             ("Non-trainable params", _count(non_trainable), weight_memory_size(non_trainable))]
    optimizer_vars = _optimizer_variables(model)
    if optimizer_vars is not None:
        optimizer_vars = _distinct(optimizer_vars)
        parts.append(("Optimizer params", _count(optimizer_vars), weight_memory_size(optimizer_vars)))
    total = ("Total params", sum(p[1] for p in parts), sum(p[2] for p in parts))
    return [total] + parts


# --- text measuring and wrapping (the rules rich applies to table cells and printed text) ----------------
def _char_width(ch):
    code = ord(ch)
    if 32 <= code < 0x7F:
        return 1
    if code < 32 or 0x7F <= code < 0xA0 or unicodedata.combining(ch) or ch in "\u200b\u200d":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _cell_len(text):
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _set_cell_size(text, width):
    """Crop or pad `text` with spaces to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    size = _cell_len(text)
    if size < width:
        return text + " " * (width - size)
    if size == width:
        return text
    out, used = [], 0
    for ch in text:
        w = _char_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)  # a cut double-width character leaves a space


def _chop(text, width):
    """Split `text` into pieces of at most `width` cells."""
    pieces, current, used = [], [], 0
    for ch in text:
        w = _char_width(ch)
        if current and used + w > width:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += w
    if current:
        pieces.append("".join(current))
    return pieces


_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def _break_offsets(text, width, fold):
    """Where to break `text` so that each line fits `width` cells. A word is kept whole (with the spaces
    after it) when it fits a line; a longer word is folded into pieces (`fold`) or left to be cropped."""
    breaks = []
    used = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        word_len = _cell_len(word.rstrip())
        if width - used >= word_len:
            used += _cell_len(word)
        elif word_len > width:
            if fold:
                pieces = _chop(word, width)
                for i, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if i == len(pieces) - 1:
                        used = _cell_len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                used = _cell_len(word)
        elif used and start:
            breaks.append(start)
            used = _cell_len(word)
    return breaks


def _truncate(line, width, overflow):
    if _cell_len(line) > width:
        if overflow == "ellipsis":
            return _set_cell_size(line, width - 1) + "…"
        return _set_cell_size(line, width)
    return line


def _wrap(text, width, justify="default", overflow="fold"):
    """Lines of `text` wrapped to `width` cells; justified lines ("left", "center", "right") are padded."""
    lines = []
    for paragraph in text.split("\n"):
        offsets = _break_offsets(paragraph, width, fold=overflow == "fold")
        bounds = [0] + offsets + [len(paragraph)]
        for a, b in zip(bounds, bounds[1:]):
            line = paragraph[a:b]
            if len(line) > width:  # spaces past the edge go
                trailing = _TRAILING_SPACE.search(line)
                if trailing:
                    line = line[:len(line) - min(len(trailing.group(0)), len(line) - width)]
            if justify == "left":
                size = _cell_len(line)
                line = _truncate(line, width, overflow)
                if size < width:
                    line += " " * (width - size)
            elif justify in ("center", "right"):
                line = _truncate(line.rstrip(), width, overflow)
                space = width - _cell_len(line)
                left = space // 2 if justify == "center" else space
                line = " " * left + line + " " * (space - left)
            lines.append(_truncate(line, width, overflow))
    return lines


def _crop(line, width):
    return _set_cell_size(line, width) if _cell_len(line) > width else line


# --- the table -------------------------------------------------------------------------------------------
def _requested_widths(positions, line_length):
    widths = []
    current = 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    return widths


def _shrink(excess, widths):
    """Take `excess` cells from the columns, evenly, with the rounding rich uses (its `ratio_reduce`):
    each column in turn gives up round(still to take / columns left), at most its whole width."""
    result = []
    remaining = excess
    columns_left = sum(1 for w in widths if w)
    for width in widths:
        if width and columns_left > 0:
            cut = min(width, round(remaining / columns_left))
            result.append(width - cut)
            remaining -= cut
            columns_left -= 1
        else:
            result.append(width)
    return result


def _column_widths(requested, table_width):
    """Cell widths (content plus one space of padding each side) of fixed-width columns in a table of
    `table_width` characters including its borders."""
    inner = table_width - (len(requested) + 1)  # room left by the vertical borders
    widths = [(min(w + 2, inner) if inner >= 1 else 0) or 1 for w in requested]
    if sum(widths) > inner:
        widths = _shrink(sum(widths) - inner, widths)
        widths = [min(w + 2, width) if width >= 1 else 0 for w, width in zip(requested, widths)]
    return widths


def _border(box, part, widths):
    left, fill, divider, right = box[part]
    return left + divider.join(fill * w for w in widths) + right


def _render_row(cells, widths, justify, box, part, header):
    rendered = []
    for text, width, how in zip(cells, widths, justify):
        content = width - 2
        if content < 1:
            rendered.append([])  # no room: the cell stays blank
            continue
        lines = _wrap(str(text), content, how, "ellipsis")
        rendered.append([" " + _set_cell_size(line, content) + " " for line in lines])
    height = max([1] + [len(lines) for lines in rendered])
    for i, lines in enumerate(rendered):
        blank = [" " * widths[i]] * (height - len(lines))
        rendered[i] = blank + lines if header else lines + blank  # headers sit at the bottom
    left, _, divider, right = box[part]
    return [left + divider.join(col[j] for col in rendered) + right for j in range(height)]


def _render_table(headers, justify, requested, rows, table_width, box):
    widths = _column_widths(requested, table_width)
    lines = [_border(box, "top", widths)]
    lines += _render_row(headers, widths, justify, box, "head", header=True)
    lines.append(_border(box, "head_row", widths))
    for i, row in enumerate(rows):
        if i:
            lines.append(_border(box, "row", widths))
        lines += _render_row(row, widths, justify, box, "mid", header=False)
    lines.append(_border(box, "bottom", widths))
    return lines


# --- the console -----------------------------------------------------------------------------------------
def _console_width():
    """The width rich gives its console: $COLUMNS, else the terminal of stdin/stdout/stderr, else 80."""
    stdout = sys.stdout
    if hasattr(stdout, "isatty") and stdout.isatty() and os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return 80
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns) or 80
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        return width or 80
    return 80


def _ascii_only():
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    return not encoding.startswith("utf")
