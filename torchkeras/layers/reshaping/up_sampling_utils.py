"""Nearest-neighbour repetition shared by the UpSampling layers."""


def repeat_axes(x, first_axis, sizes):
    """Repeat every element `sizes[i]` times along axis `first_axis + i` (one copy: a view, expand, reshape)."""
    view, expanded, final = [], [], []
    for i, d in enumerate(x.shape):
        j = i - first_axis
        if 0 <= j < len(sizes):
            view += [d, 1]
            expanded += [d, sizes[j]]
            final.append(d * sizes[j])
        else:
            view.append(d)
            expanded.append(d)
            final.append(d)
    return x.reshape(view).expand(expanded).reshape(final)


def scaled(size, factor):
    return None if size is None else size * factor
