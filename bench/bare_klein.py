"""The framework floor: a bare Klein JSON PUT endpoint, served the way the engine is served.

Parses the JSON body and answers 201 with a small JSON object — no validation, no storage.
Run: ``python bench/bare_klein.py PORT [--no-tls]``; ``--no-tls`` leaves Twisted's TLS stack
unloaded the way the agents do (``rpymostat.shared.tlsgate``), for a floor on the same footing.
"""

import json
import sys

if "--no-tls" in sys.argv:
    sys.modules["OpenSSL"] = None  # type: ignore[assignment]

from klein import Klein
from twisted.internet import endpoints, reactor
from twisted.web.server import Request, Site

app = Klein()


@app.route("/v1/sensors/update", methods=["PUT"])
def update(request: Request) -> bytes:
    """Decode the body, answer 201 JSON."""
    body = json.loads(request.content.read())
    request.setResponseCode(201)
    request.setHeader(b"content-type", b"application/json")
    return json.dumps({"status": "ok", "ids": [body["host_id"]]}).encode()


@app.route("/v1/status", methods=["GET"])
def status(request: Request) -> bytes:
    """Readiness probe."""
    return b'{"status": true}'


if __name__ == "__main__":
    port = int(sys.argv[1])
    endpoints.serverFromString(reactor, f"tcp:{port}:interface=127.0.0.1").listen(
        Site(app.resource()))
    reactor.run()
