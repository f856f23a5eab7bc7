"""A web application served by uvicorn on a free loopback port, in this process, for benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def loopback_socket() -> socket.socket:
    """A bound TCP socket on a free loopback port. The protocol is named: asyncio turns Nagle's
    algorithm off only for sockets whose protocol is TCP, and with it on every answer after the
    first on a kept-alive connection waits some 40 ms for the client's delayed ACK."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def served(app) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base address."""
    sock = loopback_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    try:
        yield "http://{}:{}".format(*sock.getsockname())
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
