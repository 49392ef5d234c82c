"""TLS for loopback servers: a test CA and a certificate for 127.0.0.1 / localhost (valid to 2126).

`tls/ca.pem` is the CA (its key was thrown away once `tls/server.pem` was signed); `tls/server.pem`
and `tls/server.key` serve HTTPS on loopback only. Point a client at the CA with `SSL_CERT_FILE`
(httpx honours it with `trust_env=True`) to make it trust that server, and at nothing else.
"""

from __future__ import annotations

import ssl
from pathlib import Path

TLS = Path(__file__).resolve().parent / "tls"
CA_FILE = TLS / "ca.pem"


def server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "server.pem", TLS / "server.key")
    return context


__all__ = ["CA_FILE", "server_context"]
