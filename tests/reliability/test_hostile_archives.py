"""Hostile `.keras` archives (issue 11, class 6 for zip members and class 8): members that decompress far
beyond their caps, encrypted members, unknown compression methods, member names that would escape, made from
a small model and from the real Keras archives in tests/fixtures. `load_model` and `load_weights` raise a
clear ValueError, nothing is written outside, and a model given to `load_weights` is unchanged."""
import os
import shutil
import zipfile

import pytest

import torchkeras as keras

from hostile_inputs import Timer, assert_state, fixture, patch_zip_headers, rewrite_zip, small_file, small_model, \
    state

SOURCES = ["small", "k3_seq", "k3_nested", "k3_attn"]


def archive(source, tmp_path):
    if source == "small":
        return small_file("keras", tmp_path)
    target = str(tmp_path / f"{source}.keras")
    shutil.copyfile(fixture(f"{source}.keras"), target)
    return target


def target_model(source):
    if source == "small":
        return small_model()
    from hostile_inputs import fixture_model

    return fixture_model(source)


def refused(source, path, fragment, weights_too=True):
    """`load_model` and (when the weights are involved) `load_weights` both refuse, changing nothing."""
    with Timer(3.0), pytest.raises(ValueError, match=fragment):
        keras.models.load_model(path)
    if weights_too:
        model = target_model(source)
        before = state(model)
        with Timer(3.0), pytest.raises(ValueError, match=fragment):
            model.load_weights(path)
        assert_state(model, before)


# --- class 6 (zip): member sizes are capped, or must not expand far beyond what is stored ---------------------


def _deflated(path, member, size):
    """Make `member` `size` bytes long (padded JSON, or zeros), stored with DEFLATE (tiny on disk)."""
    with zipfile.ZipFile(path) as old:
        members = [(i.filename, old.read(i.filename)) for i in old.infolist()]
    with zipfile.ZipFile(path, "w") as new:
        for name, data in members:
            if name == member:
                data = (data + b" " * size)[:max(size, len(data))] if member.endswith(".json") else b"\0" * size
            new.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED if name == member
                         else zipfile.ZIP_STORED)


ZIP_BOMBS = {
    "config_70MiB": ("config.json", 70 * 2 ** 20, "too large", False),
    "metadata_2MiB": ("metadata.json", 2 * 2 ** 20, "too large", False),
    "weights_80MiB_zeros": ("model.weights.h5", 80 * 2 ** 20, "decompression bomb", True),
}


@pytest.mark.parametrize("source", SOURCES[:2])
@pytest.mark.parametrize("bomb", sorted(ZIP_BOMBS))
def test_zip_members_cannot_expand_without_limit(bomb, source, tmp_path):
    member, size, fragment, weights_too = ZIP_BOMBS[bomb]
    path = archive(source, tmp_path)
    _deflated(path, member, size)
    refused(source, path, fragment, weights_too)


@pytest.mark.parametrize("source", SOURCES[:2])
def test_asset_bomb(source, tmp_path):
    path = archive(source, tmp_path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(zipfile.ZipInfo("assets/layers/dense/vocabulary.txt"), b"\0" * (80 * 2 ** 20),
                   compress_type=zipfile.ZIP_DEFLATED)
    refused(source, path, "decompression bomb")


# --- class 8: encrypted members, unknown compression, escaping names -------------------------------------------


MEMBERS = ["metadata.json", "config.json", "model.weights.h5"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("oddity", ["encrypted", "method_99", "method_implode"])
def test_zip_oddities_are_refused(oddity, member, source, tmp_path):
    path = archive(source, tmp_path)
    if oddity == "encrypted":
        patch_zip_headers(path, member, flag_bits=0x1)
        fragment = "encrypted"
    else:
        patch_zip_headers(path, member, method=99 if oddity == "method_99" else 6)
        fragment = "compression method"
    refused(source, path, fragment)


ESCAPING_NAMES = ["../evil.txt", "../../tmp/evil.txt", "/etc/evil.txt", "assets/../../evil.txt",
                  "assets/layers/../../../evil.txt", "C:\\evil.txt", "assets\\..\\..\\evil.txt", "..",
                  "assets/../..", "/"]


@pytest.mark.parametrize("source", SOURCES[:2])
@pytest.mark.parametrize("name", ESCAPING_NAMES)
def test_member_names_that_escape_are_refused(name, source, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    path = archive(source, workdir)
    rewrite_zip(path, extra={name: b"payload"})
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        refused(source, path, "outside|escapes")
    finally:
        os.chdir(cwd)
    written = {os.path.relpath(os.path.join(d, f), tmp_path) for d, _, files in os.walk(tmp_path) for f in files}
    assert written == {os.path.relpath(path, tmp_path)}


def test_unzipped_model_directory_refuses_links(tmp_path):
    model = small_model()
    directory = str(tmp_path / "m.keras")
    keras.saving.save_model(model, directory, zipped=False)
    os.remove(os.path.join(directory, "config.json"))
    secret = tmp_path / "secret.json"
    secret.write_text("{}")
    os.symlink(str(secret), os.path.join(directory, "config.json"))
    with pytest.raises(ValueError, match="not a regular file"):
        keras.models.load_model(directory)
