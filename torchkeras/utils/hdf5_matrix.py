"""Keras 2's `HDF5Matrix` (`keras.utils.io_utils.HDF5Matrix`): an HDF5 dataset used like a NumPy array."""
import numpy as np


class HDF5Matrix:
    """Rows `start:end` of the dataset `dataset` in the HDF5 file `datapath`, read on indexing.

    `normalizer`, if given, is applied to every slice read. Files are opened read-only, once per path.
    Usable wherever an array is: `model.fit(HDF5Matrix(path, "x"), ...)` reads batches from the file.
    """

    refs = {}

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        import h5py

        f = self.refs.get(datapath)
        if f is None or not f.id.valid:
            f = self.refs[datapath] = h5py.File(datapath, "r")
        self.data = f[dataset]
        self.start = start
        self.end = self.data.shape[0] if end is None else end
        self.normalizer = normalizer
        first = self._read(slice(start, start + 1))
        self._base_shape = first.shape[1:]
        self._base_dtype = first.dtype

    def _read(self, index):
        value = self.data[index]
        return self.normalizer(value) if self.normalizer is not None else value

    def __len__(self):
        return self.end - self.start

    def __getitem__(self, key):
        if isinstance(key, slice):
            start = 0 if key.start is None else key.start
            stop = self.shape[0] if key.stop is None else key.stop
            if stop + self.start > self.end:
                raise IndexError(f"Index {stop} out of range for an HDF5Matrix of {len(self)} rows.")
            return self._read(slice(start + self.start, stop + self.start))
        if isinstance(key, (int, np.integer)):
            if key + self.start >= self.end:
                raise IndexError(f"Index {key} out of range for an HDF5Matrix of {len(self)} rows.")
            return self._read(int(key) + self.start)
        indices = np.asarray(key, dtype="int64")
        if indices.size and int(indices.max()) + self.start >= self.end:
            raise IndexError(f"Index {int(indices.max())} out of range for an HDF5Matrix of {len(self)} rows.")
        # h5py needs increasing indices: read sorted, then restore the requested order.
        order = np.argsort(indices, kind="stable")
        unique, inverse = np.unique(indices[order] + self.start, return_inverse=True)
        rows = self._read(unique.tolist())
        out = np.empty_like(rows, shape=(len(indices),) + rows.shape[1:])
        out[order] = rows[inverse]
        return out

    @property
    def shape(self):
        """`(rows,) + row shape`, NumPy style."""
        return (self.end - self.start,) + tuple(self._base_shape)

    @property
    def dtype(self):
        return self._base_dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    def __array__(self, dtype=None, copy=None):
        value = self[:]
        return value if dtype is None else value.astype(dtype)
