"""`keras.utils.plot_model` and `keras.utils.model_to_dot`: draw a model's layer graph with pydot + graphviz."""
import os
import re
import sys

from torchkeras.api_export import keras_export
from torchkeras.utils import io_utils
from torchkeras.utils import tree

_UNLOADED = object()
pydot = _UNLOADED  # imported on first use, so that `import torchkeras` does not pay for it


def _get_pydot():
    """pydot, or one of its older forks (pydot_ng, pydotplus), or None when none is installed."""
    global pydot
    if pydot is _UNLOADED:
        pydot = None
        for name in ("pydot", "pydot_ng", "pydotplus"):
            try:
                pydot = __import__(name)
                break
            except ImportError:
                continue
    return pydot


_BUILT_MESSAGE = (
    "This model has not yet been built. Build the model first by calling `build()` or by calling the model on "
    "a batch of data."
)


def check_pydot():
    """Whether pydot (or pydot_ng / pydotplus) can be imported."""
    return _get_pydot() is not None


def check_graphviz():
    """Whether graphviz's `dot` program can be run (drawing an empty graph)."""
    if not check_pydot():
        return False
    try:
        pydot.Dot.create(pydot.Dot())
        return True
    except (OSError, getattr(pydot, "PydotException", OSError)):
        return False
    except Exception:  # noqa: BLE001 - older forks raise their own errors when `dot` is missing
        return False


def add_edge(dot, src, dst):
    src_id, dst_id = str(id(src)), str(id(dst))
    if not dot.get_edge(src_id, dst_id):
        edge = pydot.Edge(src_id, dst_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def get_layer_activation_name(layer):
    activation = layer.activation
    if hasattr(activation, "name"):
        return activation.name
    if hasattr(activation, "__name__"):
        return activation.__name__
    return str(activation)


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{k}: {v}" for k, v in shape.items())
    else:
        text = f"{shape}"
    return text.replace("}", "").replace("{", "")


def _symbolic(layer, attr):
    try:
        return tree.map_structure(lambda x: getattr(x, attr[1]), getattr(layer, attr[0]))
    except (ValueError, AttributeError):
        return None


def make_layer_label(layer, show_layer_names, show_layer_activations, show_dtype, show_shapes, show_trainable):
    """The HTML-like graphviz label of one layer: a black title row, then optional rows of details."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    table += (f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" color="white">{title}'
              "</font></td></tr>")
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
                  f"Activation: <b>{get_layer_activation_name(layer)}</b></font></td></tr>")
    cols = []
    if show_shapes:
        if class_name != "InputLayer":
            input_shape = _symbolic(layer, ("input", "shape"))
            cols.append('<td bgcolor="white"><font point-size="14">'
                        f"Input shape: <b>{_format_shape(input_shape)}</b></font></td>")
        output_shape = _symbolic(layer, ("output", "shape"))
        cols.append('<td bgcolor="white"><font point-size="14">'
                    f"Output shape: <b>{_format_shape(output_shape)}</b></font></td>")
    if show_dtype:
        dtype = _symbolic(layer, ("output", "dtype"))
        cols.append('<td bgcolor="white"><font point-size="14">'
                    f"Output dtype: <b>{dtype or '?'}</b></font></td>")
    if show_trainable and hasattr(layer, "trainable") and layer.weights:
        if layer.trainable:
            cols.append('<td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td>')
        else:
            cols.append('<td bgcolor="firebrick"><font point-size="14" color="white"><b>Non-trainable</b>'
                        "</font></td>")
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def make_node(layer, **kwargs):
    node = pydot.Node(str(id(layer)), label=make_layer_label(layer, **kwargs))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _model_kinds():
    from torchkeras.models.functional import Functional
    from torchkeras.models.sequential import Sequential

    return Functional, Sequential


def _layer_range_filter(layers, layer_range):
    """Keras 2's `layer_range=[first, last]`: the layers from the first name matching `first` (a regex) to
    the last name matching `last`, inclusive."""
    if layer_range is None:
        return layers
    if not (isinstance(layer_range, (list, tuple)) and len(layer_range) == 2
            and all(isinstance(x, str) for x in layer_range)):
        raise ValueError(
            "layer_range should be a list of two strings (the names, or regular expressions, of the first "
            f"and last layers to draw). Received: layer_range={layer_range}"
        )
    names = [layer.name for layer in layers]
    starts = [i for i, n in enumerate(names) if re.match(layer_range[0], n)]
    ends = [i for i, n in enumerate(names) if re.match(layer_range[1], n)]
    if not starts or not ends or ends[-1] < starts[0]:
        raise ValueError(f"Passed layer_range {layer_range} does not match any layer range of the model. "
                         f"Layer names: {names}")
    return layers[starts[0]:ends[-1] + 1]


@keras_export("keras.utils.model_to_dot")
def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False, show_trainable=False,
                 splines="ortho", **kwargs):
    """Convert a Keras model to a `pydot.Dot` graph (one box per layer, one edge per connection).

    Sequential and functional models are drawn layer by layer; a subclassed model is a single box.
    `expand_nested=True` draws nested Sequential/functional models as dashed clusters.
    """
    if not model.built:
        raise ValueError(_BUILT_MESSAGE)
    if not check_pydot():
        raise ImportError("You must install pydot (`pip install pydot`) for model_to_dot to work.")
    layer_range = kwargs.pop("layer_range", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    Functional, Sequential = _model_kinds()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    label_kwargs = dict(show_layer_names=show_layer_names, show_layer_activations=show_layer_activations,
                        show_dtype=show_dtype, show_shapes=show_shapes, show_trainable=show_trainable)
    if isinstance(model, Sequential):
        layers = model.layers
    elif not isinstance(model, Functional):
        dot.add_node(make_node(model, **label_kwargs))  # a subclassed model is one box
        return dot
    else:
        layers = list(model._operations)
    layers = _layer_range_filter(layers, layer_range)
    drawn = {id(layer) for layer in layers}

    for layer in layers:
        if expand_nested and isinstance(layer, (Functional, Sequential)):
            dot.add_subgraph(model_to_dot(layer, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                                          subgraph=True, show_layer_activations=show_layer_activations,
                                          show_trainable=show_trainable))
        else:
            dot.add_node(make_node(layer, **label_kwargs))

    if isinstance(model, Sequential):
        if not expand_nested:
            for a, b in zip(layers[:-1], layers[1:]):
                add_edge(dot, a, b)
            return dot
        # The first layer's input (the InputLayer) is not drawn for a Sequential model: the edge into a nested
        # Sequential comes from the enclosing model.
        layers = layers[1:]

    model_nodes = None
    if isinstance(model, Functional):
        model_nodes = {id(node) for nodes in model._nodes_by_depth.values() for node in nodes}
    for layer in layers:
        for node in layer._inbound_nodes:
            if model_nodes is not None and id(node) not in model_nodes:
                continue
            for input_index, tensor in enumerate(node.input_tensors):
                history = tensor._keras_history
                if history is None or history.operation is None:
                    continue
                source, output_index = history.operation, history.tensor_index
                destination = layer
                if layer_range is not None and id(source) not in drawn:
                    continue
                if expand_nested:
                    source, destination = _resolve_nested(source, output_index, destination, input_index)
                add_edge(dot, source, destination)
    return dot


def _resolve_nested(source, output_index, destination, input_index):
    """Point an edge at the real layers inside nested models (their boxes are clusters, not nodes)."""
    Functional, Sequential = _model_kinds()
    while isinstance(source, (Functional, Sequential)):
        history = source.outputs[output_index]._keras_history
        source, output_index = history.operation, history.tensor_index
    while isinstance(destination, (Functional, Sequential)):
        if isinstance(destination, Functional):
            destination = destination.inputs[input_index]._keras_history.operation
        else:
            destination = destination.layers[0]
    return source, destination


@keras_export("keras.utils.plot_model")
def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               splines="ortho", **kwargs):
    """Draw the model's layer graph and write it to `to_file` (the format comes from the extension:
    png, pdf, svg, ...). Needs pydot (`pip install pydot`) and graphviz's `dot` program.

    Args:
        model: a built Keras model.
        to_file: the image file to write.
        show_shapes: show the input and output shapes of each layer.
        show_dtype: show the output dtype of each layer.
        show_layer_names: show the layer names (Keras 3 default: False).
        rankdir: graphviz's direction: "TB" (vertical) or "LR" (horizontal).
        expand_nested: draw nested models as clusters of their layers.
        dpi: image resolution in dots per inch.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show whether each layer with weights is trainable.
        splines: graphviz's edge style ("ortho" by default).

    Returns:
        An `IPython.display.Image` of the file when IPython is installed (and the format is not pdf).
    """
    if not model.built:
        raise ValueError(_BUILT_MESSAGE)
    if not check_pydot():
        return _missing("You must install pydot (`pip install pydot`) for `plot_model` to work.")
    if not check_graphviz():
        return _missing("You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
                        "for `plot_model` to work.")
    layer_range = kwargs.pop("layer_range", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines, layer_range=layer_range)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dirname = os.path.dirname(to_file)
    if dirname:
        os.makedirs(dirname, exist_ok=True)
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display

            return display.Image(filename=to_file)
        except ImportError:
            pass
    return None


def _missing(message):
    if "IPython.core.magics.namespace" in sys.modules:
        # In a notebook, print instead of raising (as Keras does), so that a missing graphviz does not crash it.
        io_utils.print_msg(message)
        return None
    raise ImportError(message)
