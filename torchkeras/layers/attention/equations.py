"""Einsum equations of multi-head attention (projections, scores, combination), in Keras's letters.

Projected tensors have the shape `(batch, <non-attention axes>, <attention axes>, heads, channels)`.
"""
import string


def _letter(i):
    return string.ascii_lowercase[i]


def projection_equation(free_dims, bound_dims, output_dims):
    """`(equation, bias_axes, output_rank)` of a projection: `free_dims` axes kept, `bound_dims` contracted,
    `output_dims` new axes produced (and biased)."""
    free = "".join(_letter(i) for i in range(free_dims))
    bound = "".join(_letter(free_dims + i) for i in range(bound_dims))
    new = "".join(_letter(free_dims + bound_dims + i) for i in range(output_dims))
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + output_dims


def projection_output_shape(output_rank, known_last_dims):
    """An EinsumDense `output_shape`: None for the leading axes, then `known_last_dims`."""
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


def attention_equations(rank, attention_axes):
    """`(dot_product_equation, combine_equation, scores_rank)` for projected tensors of rank `rank`.

    Scores have the shape `(batch dims..., heads, <query attention axes>, <key attention axes>)`; the dot
    product is `einsum(dot_product_equation, key, query)` and the output
    `einsum(combine_equation, scores, value)`.
    """
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source = ""
    offset = rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(offset)
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attention_axes]
                      + [source[i] for i in attention_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)
