"""`keras.utils.get_file`: downloads from a local HTTP server, cache hits, hashes, safe extraction."""
import functools
import hashlib
import http.server
import io
import os
import socket
import tarfile
import threading
import zipfile

import pytest

from torchkeras.utils import file_utils
from torchkeras.utils.file_utils import get_file


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serve `tmp_path/www` on 127.0.0.1; yields (base_url, www_dir, request_log)."""
    www = tmp_path / "www"
    www.mkdir()
    log = []

    class Handler(_Handler):
        def do_GET(self):
            log.append(self.path)
            return super().do_GET()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", www, log
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _closed_port_url(name):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def test_download_then_cache_hit(server, keras_home, capsys):
    base, www, log = server
    (www / "data.txt").write_bytes(b"hello world")
    path = get_file("data.txt", origin=base + "data.txt")
    assert path == os.path.join(str(keras_home), "datasets", "data.txt")
    assert open(path, "rb").read() == b"hello world"
    assert "Downloading data from " + base + "data.txt" in capsys.readouterr().out
    again = get_file("data.txt", origin=base + "data.txt")
    assert again == path
    assert log == ["/data.txt"]  # the second call was a cache hit
    assert not [f for f in os.listdir(os.path.dirname(path)) if f.startswith(".download-")]


def test_fname_defaults_to_url_basename_and_cache_dir(server, tmp_path):
    base, www, _ = server
    (www / "x.bin").write_bytes(b"\x00\x01")
    path = get_file(origin=base + "x.bin", cache_dir=str(tmp_path / "c"), cache_subdir="sub")
    assert path == os.path.join(str(tmp_path / "c"), "sub", "x.bin")


def test_hash_checks(server, keras_home):
    base, www, log = server
    payload = b"payload bytes"
    (www / "f.dat").write_bytes(payload)
    sha = hashlib.sha256(payload).hexdigest()
    md5 = hashlib.md5(payload).hexdigest()
    path = get_file("f.dat", origin=base + "f.dat", file_hash=sha)
    assert file_utils.validate_file(path, sha) and file_utils.validate_file(path, md5)
    assert file_utils.hash_file(path, "md5") == md5
    # md5_hash (Keras 2 spelling) on a cache hit: no new request.
    get_file("f.dat", origin=base + "f.dat", md5_hash=md5)
    assert len(log) == 1
    # A stale cached file is downloaded again.
    with open(path, "wb") as f:
        f.write(b"stale")
    get_file("f.dat", origin=base + "f.dat", file_hash=sha)
    assert open(path, "rb").read() == payload and len(log) == 2
    # A download that does not match the hash raises.
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        get_file("g.dat", origin=base + "f.dat", file_hash="0" * 64)


def test_force_download(server, keras_home):
    base, www, log = server
    (www / "a.txt").write_bytes(b"1")
    get_file("a.txt", origin=base + "a.txt")
    (www / "a.txt").write_bytes(b"2")
    path = get_file("a.txt", origin=base + "a.txt", force_download=True)
    assert open(path, "rb").read() == b"2" and len(log) == 2


def _make_tar(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_extract_tar_named_dir(server, keras_home):
    base, www, _ = server
    _make_tar(www / "arch.tar.gz", {"folder/a.txt": b"A", "folder/b.txt": b"B"})
    out = get_file("mydata", origin=base + "arch.tar.gz", extract=True)
    datadir = os.path.join(str(keras_home), "datasets")
    assert out == os.path.join(datadir, "mydata")
    assert os.path.exists(os.path.join(datadir, "mydata_archive"))
    assert open(os.path.join(out, "folder", "a.txt")).read() == "A"


def test_extract_with_extension_and_untar(server, keras_home):
    base, www, _ = server
    _make_tar(www / "t.tar.gz", {"x.txt": b"X"})
    out = get_file("t.tar.gz", origin=base + "t.tar.gz", untar=True)
    assert out.endswith(os.path.join("datasets", "t_extracted"))
    assert open(os.path.join(out, "x.txt")).read() == "X"


def test_extract_zip(server, keras_home):
    base, www, _ = server
    with zipfile.ZipFile(www / "z.zip", "w") as z:
        z.writestr("inner/z.txt", "Z")
    out = get_file(origin=base + "z.zip", extract=True)
    assert out.endswith(os.path.join("datasets", "z.zip"))
    assert open(os.path.join(out, "inner", "z.txt")).read() == "Z"


def test_extraction_skips_path_traversal(tmp_path):
    archive = tmp_path / "evil.tar"
    _make_tar(archive, {"ok.txt": b"ok", "../escape.txt": b"bad", "/abs.txt": b"bad"}, mode="w")
    with tarfile.open(archive, "a") as tar:
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../etc/passwd"
        tar.addfile(link)
    dest = tmp_path / "out"
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        assert file_utils.extract_archive(str(archive), str(dest))
    assert (dest / "ok.txt").read_text() == "ok"
    assert not (tmp_path / "escape.txt").exists()
    assert not (dest / "link").exists()

    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("good.txt", "g")
        z.writestr("../../zip_escape.txt", "bad")
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        assert file_utils.extract_archive(str(zpath), str(tmp_path / "zout"), archive_format="zip")
    assert (tmp_path / "zout" / "good.txt").read_text() == "g"
    assert not (tmp_path / "zip_escape.txt").exists()


def test_extract_archive_formats(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("not an archive")
    assert not file_utils.extract_archive(str(plain), str(tmp_path / "o"))
    assert not file_utils.extract_archive(str(plain), str(tmp_path / "o"), archive_format=None)
    with pytest.raises(NotImplementedError):
        file_utils.extract_archive(str(plain), str(tmp_path / "o"), archive_format="rar")


def test_errors(keras_home):
    with pytest.raises(ValueError, match='specify the "origin"'):
        get_file("a")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file(os.path.join("sub", "a.txt"), origin="http://127.0.0.1/a.txt")
    with pytest.raises(ValueError, match="Can't parse the file name"):
        get_file(origin="http://127.0.0.1/")


def test_offline_error_names_file_and_location(keras_home):
    origin = _closed_port_url("missing.npz")
    with pytest.raises(file_utils.URLFetchError) as info:
        get_file("missing.npz", origin=origin)
    message = str(info.value)
    assert "URL fetch failure on " + origin in message
    assert "missing.npz" in message
    assert os.path.join(str(keras_home), "datasets", "missing.npz") in message
    assert not os.path.exists(os.path.join(str(keras_home), "datasets", "missing.npz"))
    assert isinstance(info.value, Exception)


def test_http_error(server, keras_home):
    base, _, _ = server
    with pytest.raises(file_utils.URLFetchError, match="404"):
        get_file("nope.txt", origin=base + "nope.txt")
