import http.server
import json
import socket
import threading
import urllib.parse

import pytest

import torchkeras as keras
from torchkeras.callbacks import remote_monitor

from .helpers import make_model


class _Recorder(http.server.BaseHTTPRequestHandler):
    received = None

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # talk to 127.0.0.1 directly


@pytest.fixture
def server():
    received = []
    handler = type("Handler", (_Recorder,), {"received": received})
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(params=["urllib", "requests"])
def transport(request, monkeypatch):
    if request.param == "urllib":
        monkeypatch.setattr(remote_monitor, "requests", None)
    elif remote_monitor.requests is None:
        pytest.skip("requests is not installed")
    return request.param


def _fit(data, callbacks, epochs=2):
    x, y = data
    return make_model().fit(x, y, epochs=epochs, batch_size=20, verbose=0, callbacks=callbacks)


def test_posts_a_form_field_per_epoch(server, transport, data):
    root, received = server
    history = _fit(data, [keras.callbacks.RemoteMonitor(root=root)])
    assert [r["path"] for r in received] == ["/publish/epoch/end/"] * 2
    for epoch, request in enumerate(received):
        form = urllib.parse.parse_qs(request["body"].decode())
        assert list(form) == ["data"]
        payload = json.loads(form["data"][0])
        assert payload == {"epoch": epoch, "loss": history.history["loss"][epoch]}
        assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_posts_json_with_headers_field_and_path(server, transport, data):
    root, received = server
    cb = keras.callbacks.RemoteMonitor(root=root, path="/metrics", field="ignored", headers={"X-Run": "7"},
                                       send_as_json=True)
    history = _fit(data, [cb], epochs=1)
    (request,) = received
    assert request["path"] == "/metrics"
    assert request["headers"]["X-Run"] == "7"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == {"epoch": 0, "loss": history.history["loss"][0]}


def test_unreachable_server_warns_and_training_goes_on(transport, data):
    with socket.socket() as s:  # a local port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = f"http://127.0.0.1:{port}"
    with pytest.warns(UserWarning, match=f"Could not reach RemoteMonitor root server at {root}"):
        history = _fit(data, [keras.callbacks.RemoteMonitor(root=root)], epochs=1)
    assert history.epoch == [0]
