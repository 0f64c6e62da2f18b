"""The approximate quantile summaries behind `Discretization.adapt` (the same algorithm as Keras).

A summary is a `(2, n)` float32 array: sorted sample values and their weights. Summaries of batches are
merged and compressed to about `1 / epsilon` points; bin boundaries are read off at equal weight steps.
"""
import numpy as np


def summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def merge(first, second, epsilon):
    merged = np.concatenate((first, second), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress(merged, epsilon)


def bin_boundaries(summary, num_bins):
    return compress(summary, 1.0 / num_bins)[0, :-1]
