"""Batches from a `tf.data.Dataset` (when TensorFlow is installed), as Keras's torch backend reads them.

The dataset is iterated afresh each epoch; its tensors become torch tensors on the device. `class_weight` turns
each batch's labels into per-sample weights, as Keras maps it over the dataset. TensorFlow is never imported
here: a dataset is recognised by its class, as Keras does.
"""
from torchkeras.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from torchkeras.trainers.data_adapters.generator_data_adapter import batch_to_device


def is_tf_dataset(x):
    """Whether `x` is a `tf.data.Dataset` (or a distributed one)."""
    for parent in getattr(type(x), "__mro__", ()):
        if parent.__name__ in ("DatasetV2", "DistributedDataset", "DistributedDatasetsFromFunction") and \
                "tensorflow.python." in str(parent.__module__):
            return True
    return False


class TFDatasetAdapter(GeneratorDataAdapter):
    def __init__(self, dataset, class_weight=None, device=None, argument="x"):
        super().__init__(dataset, device=device, argument=argument)
        self.class_weight = class_weight

    def _to_device(self, batch):
        batch = batch_to_device(batch, self.device)
        if self.class_weight is not None:
            from torchkeras.trainers.data_adapters.py_dataset_adapter import standardize_batch

            batch = batch_to_device(standardize_batch(batch, self.class_weight), self.device)
        return batch
