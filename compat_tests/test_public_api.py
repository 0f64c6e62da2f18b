"""torchkeras's public names against real Keras 3.15's, by name, over every public `keras.*` namespace.

What we lack is listed below, explicitly: the list can only shrink. The test fails when a Keras name is missing
that is not listed (a regression) and when a listed name now exists (remove it from the list). After merging
branches that add names: run `python -m torchkeras.api_gen`, then this test, and delete the names it reports.
"""
import inspect
import types

import keras  # noqa: F401  (conftest sets KERAS_BACKEND=torch first)
import pytest

import torchkeras
from torchkeras import _api_table

# Keras names torchkeras does not have yet (with who is adding them). Only ever remove entries.
LACKING = {
    # keras: top-level names (quantizers: `quant`; scopes/remat: unassigned)
    'keras.RematScope',
    'keras.SymbolicScope',
    'keras.remat',
    # keras.applications: `apps` helper
    'keras.applications',
    'keras.applications.ConvNeXtBase',
    'keras.applications.ConvNeXtLarge',
    'keras.applications.ConvNeXtSmall',
    'keras.applications.ConvNeXtTiny',
    'keras.applications.ConvNeXtXLarge',
    'keras.applications.DenseNet121',
    'keras.applications.DenseNet169',
    'keras.applications.DenseNet201',
    'keras.applications.EfficientNetB0',
    'keras.applications.EfficientNetB1',
    'keras.applications.EfficientNetB2',
    'keras.applications.EfficientNetB3',
    'keras.applications.EfficientNetB4',
    'keras.applications.EfficientNetB5',
    'keras.applications.EfficientNetB6',
    'keras.applications.EfficientNetB7',
    'keras.applications.EfficientNetV2B0',
    'keras.applications.EfficientNetV2B1',
    'keras.applications.EfficientNetV2B2',
    'keras.applications.EfficientNetV2B3',
    'keras.applications.EfficientNetV2L',
    'keras.applications.EfficientNetV2M',
    'keras.applications.EfficientNetV2S',
    'keras.applications.InceptionResNetV2',
    'keras.applications.InceptionV3',
    'keras.applications.MobileNet',
    'keras.applications.MobileNetV2',
    'keras.applications.MobileNetV3Large',
    'keras.applications.MobileNetV3Small',
    'keras.applications.NASNetLarge',
    'keras.applications.NASNetMobile',
    'keras.applications.ResNet101',
    'keras.applications.ResNet101V2',
    'keras.applications.ResNet152',
    'keras.applications.ResNet152V2',
    'keras.applications.ResNet50',
    'keras.applications.ResNet50V2',
    'keras.applications.VGG16',
    'keras.applications.VGG19',
    'keras.applications.Xception',
    'keras.applications.convnext',
    'keras.applications.convnext.ConvNeXtBase',
    'keras.applications.convnext.ConvNeXtLarge',
    'keras.applications.convnext.ConvNeXtSmall',
    'keras.applications.convnext.ConvNeXtTiny',
    'keras.applications.convnext.ConvNeXtXLarge',
    'keras.applications.convnext.decode_predictions',
    'keras.applications.convnext.preprocess_input',
    'keras.applications.densenet',
    'keras.applications.densenet.DenseNet121',
    'keras.applications.densenet.DenseNet169',
    'keras.applications.densenet.DenseNet201',
    'keras.applications.densenet.decode_predictions',
    'keras.applications.densenet.preprocess_input',
    'keras.applications.efficientnet',
    'keras.applications.efficientnet.EfficientNetB0',
    'keras.applications.efficientnet.EfficientNetB1',
    'keras.applications.efficientnet.EfficientNetB2',
    'keras.applications.efficientnet.EfficientNetB3',
    'keras.applications.efficientnet.EfficientNetB4',
    'keras.applications.efficientnet.EfficientNetB5',
    'keras.applications.efficientnet.EfficientNetB6',
    'keras.applications.efficientnet.EfficientNetB7',
    'keras.applications.efficientnet.decode_predictions',
    'keras.applications.efficientnet.preprocess_input',
    'keras.applications.efficientnet_v2',
    'keras.applications.efficientnet_v2.EfficientNetV2B0',
    'keras.applications.efficientnet_v2.EfficientNetV2B1',
    'keras.applications.efficientnet_v2.EfficientNetV2B2',
    'keras.applications.efficientnet_v2.EfficientNetV2B3',
    'keras.applications.efficientnet_v2.EfficientNetV2L',
    'keras.applications.efficientnet_v2.EfficientNetV2M',
    'keras.applications.efficientnet_v2.EfficientNetV2S',
    'keras.applications.efficientnet_v2.decode_predictions',
    'keras.applications.efficientnet_v2.preprocess_input',
    'keras.applications.imagenet_utils',
    'keras.applications.imagenet_utils.decode_predictions',
    'keras.applications.imagenet_utils.preprocess_input',
    'keras.applications.inception_resnet_v2',
    'keras.applications.inception_resnet_v2.InceptionResNetV2',
    'keras.applications.inception_resnet_v2.decode_predictions',
    'keras.applications.inception_resnet_v2.preprocess_input',
    'keras.applications.inception_v3',
    'keras.applications.inception_v3.InceptionV3',
    'keras.applications.inception_v3.decode_predictions',
    'keras.applications.inception_v3.preprocess_input',
    'keras.applications.mobilenet',
    'keras.applications.mobilenet.MobileNet',
    'keras.applications.mobilenet.decode_predictions',
    'keras.applications.mobilenet.preprocess_input',
    'keras.applications.mobilenet_v2',
    'keras.applications.mobilenet_v2.MobileNetV2',
    'keras.applications.mobilenet_v2.decode_predictions',
    'keras.applications.mobilenet_v2.preprocess_input',
    'keras.applications.mobilenet_v3',
    'keras.applications.mobilenet_v3.decode_predictions',
    'keras.applications.mobilenet_v3.preprocess_input',
    'keras.applications.nasnet',
    'keras.applications.nasnet.NASNetLarge',
    'keras.applications.nasnet.NASNetMobile',
    'keras.applications.nasnet.decode_predictions',
    'keras.applications.nasnet.preprocess_input',
    'keras.applications.resnet',
    'keras.applications.resnet.ResNet101',
    'keras.applications.resnet.ResNet152',
    'keras.applications.resnet.ResNet50',
    'keras.applications.resnet.decode_predictions',
    'keras.applications.resnet.preprocess_input',
    'keras.applications.resnet50',
    'keras.applications.resnet50.ResNet50',
    'keras.applications.resnet50.decode_predictions',
    'keras.applications.resnet50.preprocess_input',
    'keras.applications.resnet_v2',
    'keras.applications.resnet_v2.ResNet101V2',
    'keras.applications.resnet_v2.ResNet152V2',
    'keras.applications.resnet_v2.ResNet50V2',
    'keras.applications.resnet_v2.decode_predictions',
    'keras.applications.resnet_v2.preprocess_input',
    'keras.applications.vgg16',
    'keras.applications.vgg16.VGG16',
    'keras.applications.vgg16.decode_predictions',
    'keras.applications.vgg16.preprocess_input',
    'keras.applications.vgg19',
    'keras.applications.vgg19.VGG19',
    'keras.applications.vgg19.decode_predictions',
    'keras.applications.vgg19.preprocess_input',
    'keras.applications.xception',
    'keras.applications.xception.Xception',
    'keras.applications.xception.decode_predictions',
    'keras.applications.xception.preprocess_input',
    # keras.callbacks: needs Orbax
    'keras.callbacks.OrbaxCheckpoint',
    # keras.distillation: unassigned
    'keras.distillation',
    'keras.distillation.DistillationLoss',
    'keras.distillation.Distiller',
    'keras.distillation.FeatureDistillation',
    'keras.distillation.LogitsDistillation',
    # keras.distribution: unassigned (torch DeviceMesh/DTensor)
    # keras.dtype_policies: `quant` helper
    # keras.layers: `augment` helper (FlaxLayer, JaxLayer, TFSMLayer need JAX/TF)
    'keras.layers.FlaxLayer',
    'keras.layers.JaxLayer',
    'keras.layers.TFSMLayer',
    # keras.legacy: legacy.saving (Keras 2 serialization format): unassigned
    'keras.legacy.saving',
    'keras.legacy.saving.deserialize_keras_object',
    'keras.legacy.saving.serialize_keras_object',
    # keras.quantizers: `quant` helper
    # keras.tree: `apps` helper
    'keras.tree',
    'keras.tree.MAP_TO_NONE',
    'keras.tree.assert_same_paths',
    'keras.tree.assert_same_structure',
    'keras.tree.flatten',
    'keras.tree.flatten_with_path',
    'keras.tree.is_nested',
    'keras.tree.lists_to_tuples',
    'keras.tree.map_shape_structure',
    'keras.tree.map_structure',
    'keras.tree.map_structure_up_to',
    'keras.tree.pack_sequence_as',
    'keras.tree.traverse',
    # keras.utils: bounding_boxes: `augment`; legacy (Keras 2 serialization format): unassigned
    'keras.utils.legacy',
    'keras.utils.legacy.deserialize_keras_object',
    'keras.utils.legacy.serialize_keras_object',
    # keras.visualization: `apps` helper
    'keras.visualization',
    'keras.visualization.draw_bounding_boxes',
    'keras.visualization.draw_segmentation_masks',
    'keras.visualization.plot_bounding_box_gallery',
    'keras.visualization.plot_image_gallery',
    'keras.visualization.plot_segmentation_mask_gallery',
    # keras.wrappers: `apps` helper
    'keras.wrappers',
    'keras.wrappers.SKLearnClassifier',
    'keras.wrappers.SKLearnRegressor',
    'keras.wrappers.SKLearnTransformer',
}

# Present in both, but a different kind of object: `keras.name_scope` is a class in Keras, a context-manager
# function here (same use: `with keras.name_scope("block"): ...`).
KIND_DIFFERENCES = {"keras.name_scope"}


def keras_public_names():
    """{"keras.layers.Dense": "class", "keras.ops": "module", ...} for real Keras's public API."""
    found = {}

    def walk(module, path):
        for name in dir(module):
            if name.startswith("_"):
                continue
            value = getattr(module, name)
            full = f"{path}.{name}"
            if isinstance(value, types.ModuleType):
                if value.__name__.startswith("keras.") and not value.__name__.startswith(("keras.src",
                                                                                           "keras._tf_keras")):
                    found[full] = "module"
                    walk(value, full)
                continue
            found[full] = _kind(value)

    walk(keras, "keras")
    return found


def torchkeras_public_names():
    """The same for torchkeras, from its one public table (private namespaces such as `keras._legacy` aside)."""
    found = {}
    for namespace, entries in _api_table.NAMESPACES.items():
        if any(part.startswith("_") for part in namespace.split(".")):
            continue
        for name, target in entries.items():
            if not name.startswith("_"):
                found[f"{namespace}.{name}"] = target
    return found


def _kind(value):
    if isinstance(value, types.ModuleType):
        return "module"
    return "class" if inspect.isclass(value) else "callable" if callable(value) else "value"


@pytest.fixture(scope="module")
def names():
    return keras_public_names(), torchkeras_public_names()


def test_we_lack_only_the_listed_keras_names(names):
    theirs, ours = names
    lacking = set(theirs) - set(ours)
    assert sorted(lacking - LACKING) == [], "Keras names missing from torchkeras (a regression?)"
    assert sorted(LACKING - lacking) == [], "these names exist now: remove them from LACKING"


def test_shared_names_are_the_same_kind_of_object(names):
    theirs, ours = names
    different = []
    for path in sorted(set(theirs) & set(ours)):
        namespace, _, name = path.rpartition(".")
        module = torchkeras
        for part in namespace.split(".")[1:]:
            module = getattr(module, part)
        kind = _kind(getattr(module, name))
        if kind != theirs[path]:
            different.append((path, theirs[path], kind))
    assert sorted(p for p, _, _ in different) == sorted(KIND_DIFFERENCES), different


def test_public_name_counts(names, capsys):
    theirs, ours = names
    shared = set(theirs) & set(ours)
    with capsys.disabled():
        print(f"\nKeras 3.15: {len(theirs)} public names; torchkeras: {len(ours)}; shared: {len(shared)}; "
              f"torchkeras lacks {len(set(theirs) - set(ours))}; has {len(set(ours) - set(theirs))} more "
              "(Keras 2 names and torchkeras's own)")
    assert len(shared) == len(theirs) - len(LACKING)
