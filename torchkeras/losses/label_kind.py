"""Which kind of labels `compile(loss="crossentropy")` or `metrics=["accuracy"]` means for given shapes."""


def label_kind(y_true, y_pred):
    """`"binary"` when `y_pred.shape[-1] == 1`; `"sparse"` when `y_true` has a lower rank, or a last dim of 1 while
    `y_pred`'s is larger; `"categorical"` otherwise (also for multi-label outputs, like Keras)."""
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if pred_shape and pred_shape[-1] == 1:
        return "binary"
    if len(true_shape) < len(pred_shape) or (true_shape and true_shape[-1] == 1 and pred_shape[-1] > 1):
        return "sparse"
    return "categorical"
