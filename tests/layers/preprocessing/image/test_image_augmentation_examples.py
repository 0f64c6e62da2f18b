"""Augmentation pipelines as the keras.io image examples use them (a compact convolutional transformer and
a vision transformer), on small synthetic data: our own small reproductions of those scripts' patterns."""
import os

import numpy as np

import torchkeras as keras
from torchkeras import layers
from torchkeras import ops

RNG = np.random.default_rng(0)


class ConvTokenizer(layers.Layer):
    """Convolutions, then the feature map flattened into a sequence of tokens."""

    def __init__(self, channels=16, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.convs = keras.Sequential([
            layers.Conv2D(channels, 3, 1, padding="valid", use_bias=False, activation="relu",
                          kernel_initializer="he_normal"),
            layers.ZeroPadding2D(1), layers.MaxPooling2D(3, 2, "same")])

    def call(self, images):
        out = self.convs(images)
        return ops.reshape(out, (-1, ops.shape(out)[1] * ops.shape(out)[2], ops.shape(out)[-1]))

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


class LearnedPositions(layers.Layer):
    def __init__(self, length, **kwargs):
        super().__init__(**kwargs)
        self.length = length

    def build(self, input_shape):
        self.table = self.add_weight(name="embeddings", shape=[self.length, input_shape[-1]],
                                     initializer="glorot_uniform")

    def call(self, inputs):
        return ops.broadcast_to(ops.convert_to_tensor(self.table), ops.shape(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "length": self.length}


class DropBlock(layers.Layer):
    """Stochastic depth: drop the whole residual branch of some samples in training."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(7)

    def call(self, x, training=None):
        if training:
            keep = 1 - self.rate
            shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
            return x / keep * ops.floor(keep + keras.random.uniform(shape, 0, 1, seed=self.seed_generator))
        return x

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


def test_compact_convolutional_transformer_pattern(tmp_path):
    image_size, num_classes = 32, 10
    x = RNG.integers(0, 256, (40, image_size, image_size, 3)).astype("uint8")
    y = keras.utils.to_categorical(RNG.integers(0, num_classes, (40, 1)), num_classes)
    augmentation = keras.Sequential([
        layers.Rescaling(scale=1.0 / 255), layers.RandomCrop(image_size, image_size), layers.RandomFlip("horizontal"),
    ], name="data_augmentation")
    inputs = layers.Input((image_size, image_size, 3))
    tokens = ConvTokenizer()(augmentation(inputs))
    tokens = tokens + LearnedPositions(tokens.shape[1])(tokens)
    for rate in np.linspace(0, 0.1, 2):
        normed = layers.LayerNormalization(epsilon=1e-5)(tokens)
        attended = layers.MultiHeadAttention(num_heads=2, key_dim=16, dropout=0.1)(normed, normed)
        tokens = layers.Add()([DropBlock(float(rate))(attended), tokens])
        hidden = layers.Dense(16, activation="gelu")(layers.LayerNormalization(epsilon=1e-5)(tokens))
        hidden = layers.Dropout(0.1)(hidden)
        tokens = layers.Add()([DropBlock(float(rate))(hidden), tokens])
    tokens = layers.LayerNormalization(epsilon=1e-5)(tokens)
    weights = ops.softmax(layers.Dense(1)(tokens), axis=1)
    pooled = ops.squeeze(ops.matmul(ops.transpose(weights, (0, 2, 1)), tokens), -2)
    model = keras.Model(inputs, layers.Dense(num_classes)(pooled))
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
                  metrics=[keras.metrics.CategoricalAccuracy(name="accuracy"),
                           keras.metrics.TopKCategoricalAccuracy(5, name="top-5-accuracy")])
    checkpoint = os.path.join(tmp_path, "checkpoint.weights.h5")
    history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.1, verbose=0, callbacks=[
        keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_accuracy", save_best_only=True,
                                        save_weights_only=True)])
    assert set(history.history) >= {"loss", "accuracy", "top-5-accuracy", "val_loss", "val_accuracy"}
    model.load_weights(checkpoint)
    loss, accuracy, top5 = model.evaluate(x, y, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= top5 <= 1
    # The augmentation is identity at inference, so predictions are deterministic and survive a save.
    path = os.path.join(tmp_path, "cct.keras")
    model.save(path)
    restored = keras.models.load_model(path, custom_objects={
        "ConvTokenizer": ConvTokenizer, "LearnedPositions": LearnedPositions, "DropBlock": DropBlock})
    np.testing.assert_allclose(restored.predict(x[:4], verbose=0), model.predict(x[:4], verbose=0), atol=1e-5)


def test_vision_transformer_augmentation_pattern():
    image_size = 24
    x = RNG.random((12, 16, 16, 3)).astype("float32") * 255
    augmentation = keras.Sequential([
        layers.Normalization(), layers.Resizing(image_size, image_size), layers.RandomFlip("horizontal"),
        layers.RandomRotation(factor=0.02), layers.RandomZoom(height_factor=0.2, width_factor=0.2),
    ], name="data_augmentation")
    augmentation.layers[0].adapt(x)
    inputs = keras.Input((16, 16, 3))
    augmented = augmentation(inputs)
    assert tuple(augmented.shape) == (None, image_size, image_size, 3)
    patches = ops.image.extract_patches(augmented, 6)
    encoded = layers.Dense(8)(ops.reshape(patches, (-1, 16, 6 * 6 * 3)))
    model = keras.Model(inputs, layers.Dense(5)(layers.Flatten()(encoded)))
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, RNG.integers(0, 5, (12,)), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    train_view = augmentation(x[:2], training=True)
    inference_view = augmentation(x[:2], training=False)
    assert tuple(train_view.shape) == tuple(inference_view.shape) == (2, image_size, image_size, 3)
    np.testing.assert_allclose(np.asarray(augmentation.predict(x[:2], verbose=0)), inference_view.numpy(), atol=1e-5)
