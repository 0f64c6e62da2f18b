"""The classic Keras IMDB sentiment example: Embedding -> LSTM -> Dense(1, sigmoid), binary crossentropy.

Uses the real IMDB reviews when they are in the Keras cache (~/.keras/datasets/imdb.npz). Offline, it makes
an IMDB-like task: reviews of 20 to 120 word indices in which a few "positive" and "negative" words decide the
label, so the script runs anywhere and the LSTM has something to learn.
"""
import os

import numpy as np

import torchkeras as keras
from torchkeras.layers import LSTM, Dense, Embedding
from torchkeras.models import Sequential

MAX_FEATURES = 2000  # vocabulary size
MAXLEN = 80  # cut reviews after this many words
BATCH_SIZE = 32


def pad(sequences, maxlen):
    """Keras's `pad_sequences` defaults: pad and truncate at the start, with 0."""
    out = np.zeros((len(sequences), maxlen), dtype="int32")
    for i, seq in enumerate(sequences):
        seq = list(seq)[-maxlen:]
        if seq:
            out[i, -len(seq):] = seq
    return out


def imdb_cached():
    from torchkeras.backend import config

    return os.path.exists(os.path.join(config.keras_home(), "datasets", "imdb.npz"))


def synthetic_reviews(n, rng):
    """Word-index reviews whose sentiment is the balance of positive (10-59) and negative (60-109) words."""
    positive, negative = np.arange(10, 60), np.arange(60, 110)
    reviews, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        length = int(rng.integers(20, 121))
        words = rng.integers(110, MAX_FEATURES, length)
        strong = rng.choice(positive if label else negative, int(rng.integers(2, 6)))
        weak = rng.choice(negative if label else positive, int(rng.integers(0, 2)))
        slots = rng.choice(length, len(strong) + len(weak), replace=False)
        words[slots] = np.concatenate([strong, weak])
        reviews.append(words.tolist())
        labels.append(label)
    return reviews, np.array(labels, dtype="float32")


def load_data():
    if imdb_cached():
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=MAX_FEATURES)
        return (x_train[:5000], y_train[:5000]), (x_test[:2000], y_test[:2000])
    rng = np.random.default_rng(0)
    x_train, y_train = synthetic_reviews(1600, rng)
    x_test, y_test = synthetic_reviews(500, rng)
    return (x_train, y_train), (x_test, y_test)


keras.utils.set_random_seed(1)
print("Loading data...")
(x_train, y_train), (x_test, y_test) = load_data()
print(len(x_train), "train sequences,", len(x_test), "test sequences")
x_train = pad(x_train, MAXLEN)
x_test = pad(x_test, MAXLEN)
print("x_train shape:", x_train.shape)

model = Sequential()
model.add(Embedding(MAX_FEATURES, 128))
model.add(LSTM(128))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

print("Train...")
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=3, validation_data=(x_test, y_test), verbose=2)
score, acc = model.evaluate(x_test, y_test, batch_size=BATCH_SIZE, verbose=0)
model.summary()
print("Test score:", score)
print("Test accuracy:", acc)
