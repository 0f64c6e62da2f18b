"""Keras's pretrained ImageNet weight files: where each one is downloaded from, and its published hash.

`WEIGHT_FILES` maps a file name (the name it gets in the cache, `$KERAS_HOME/models`) to `(origin, file_hash)`,
the same URLs and hashes Keras uses, so a cache filled by Keras is reused as is and vice versa. The files are
Keras 2 HDF5 weight files; `load_weights` reads them by layer order, as Keras does.
"""
import os

from torchkeras.utils.file_utils import get_file

_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"
_TOP, _NOTOP = "_weights_tf_dim_ordering_tf_kernels.h5", "_weights_tf_dim_ordering_tf_kernels_notop.h5"

WEIGHT_FILES = {
    "imagenet_class_index.json": (
        "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
        "c2c37ea517e94d9795004a39431a14cb"),
}


def _add(folder, file_name, file_hash, origin_name=None, base=_KERAS_APPS):
    WEIGHT_FILES[file_name] = (f"{base}{folder}{origin_name or file_name}", file_hash)


# name: (hash with top, hash without top)
for _name, _hashes in {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}.items():
    _add("resnet/", _name + _TOP, _hashes[0])
    _add("resnet/", _name + _NOTOP, _hashes[1])

for _name, _folder, _hashes in [
    ("vgg16", "vgg16/", ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")),
    ("vgg19", "vgg19/", ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")),
    ("densenet121", "densenet/", ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738")),
    ("densenet169", "densenet/", ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b")),
    ("densenet201", "densenet/", ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1")),
    ("inception_v3", "inception_v3/", ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")),
    ("inception_resnet_v2", "inception_resnet_v2/",
     ("e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")),
    ("xception", "xception/", ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")),
]:
    _add(_folder, _name + _TOP, _hashes[0])
    _add(_folder, _name + _NOTOP, _hashes[1])

# MobileNet and MobileNetV2: one file per width multiplier and input size, published without hashes.
for _alpha in ("1_0", "7_5", "5_0", "2_5"):
    for _rows in (128, 160, 192, 224):
        _add("mobilenet/", f"mobilenet_{_alpha}_{_rows}_tf.h5", None)
        _add("mobilenet/", f"mobilenet_{_alpha}_{_rows}_tf_no_top.h5", None)
for _alpha in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4):
    for _rows in (96, 128, 160, 192, 224):
        _add("mobilenet_v2/", f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{_alpha}_{_rows}.h5", None)
        _add("mobilenet_v2/", f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{_alpha}_{_rows}_no_top.h5", None)

for _name, _hashes in {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}.items():
    _add("mobilenet_v3/", f"weights_mobilenet_v3_{_name}.h5", _hashes[0])
    _add("mobilenet_v3/", f"weights_mobilenet_v3_{_name}_no_top_v2.h5", _hashes[1])

for _name, _hashes in {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}.items():
    _add("", f"efficientnet{_name}.h5", _hashes[0], base="https://storage.googleapis.com/keras-applications/")
    _add("", f"efficientnet{_name}_notop.h5", _hashes[1], base="https://storage.googleapis.com/keras-applications/")

for _name, _hashes in {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}.items():
    _add("efficientnet_v2/", f"efficientnetv2-{_name}.h5", _hashes[0])
    _add("efficientnet_v2/", f"efficientnetv2-{_name}_notop.h5", _hashes[1])

for _name, _hashes in {
    "tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
             "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
              "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
             "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
              "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
               "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}.items():
    _add("convnext/", f"convnext_{_name}.h5", _hashes[0])
    _add("convnext/", f"convnext_{_name}_notop.h5", _hashes[1])

# NASNet: cached under a name that differs from the published one.
_add("nasnet/", "nasnet_mobile.h5", "020fb642bf7360b370c678b08e0adf61", "NASNet-mobile.h5")
_add("nasnet/", "nasnet_mobile_no_top.h5", "1ed92395b5b598bdda52abe5c0dbfd63", "NASNet-mobile-no-top.h5")
_add("nasnet/", "nasnet_large.h5", "11577c9a518f0070763c2b964a382f17", "NASNet-large.h5")
_add("nasnet/", "nasnet_large_no_top.h5", "d81d89dc07e6e56530c4e77faddd61b5", "NASNet-large-no-top.h5")


def fetch(file_name):
    """The local path of the published file `file_name`, downloaded into `$KERAS_HOME/models` if needed.

    Without network access the error names the URL that failed, and the file name and folder where the
    file can be placed by hand.
    """
    if file_name not in WEIGHT_FILES:
        raise ValueError(
            f"There are no published ImageNet weights named '{file_name}' for this configuration. Pass "
            "`weights=None` (random initialization) or the path to a weights file.")
    origin, file_hash = WEIGHT_FILES[file_name]
    return get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)


def check_weights_argument(weights, include_top, classes):
    """Keras's checks of `weights` (None, "imagenet" or an existing file) and of `classes` with ImageNet."""
    if not (weights in {"imagenet", None} or os.path.exists(str(weights))):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), 'imagenet' "
            "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
            f"Received: weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
            f"Received classes={classes}"
        )


def load_weights(model, weights, file_name):
    """Load `weights` into `model`: the published file `file_name` for "imagenet", else a local path."""
    if weights == "imagenet":
        model.load_weights(fetch(file_name))
    elif weights is not None:
        model.load_weights(weights)
    return model
