"""Network helpers for tests that start real servers (SMTP, Redis, OpenID provider)."""

import socket
import time


def free_port() -> int:
    """A TCP port nobody listens on right now, for a server the test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 40.0, interval: float = 0.2) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` seconds pass (False): for what another
    process does. Never a way to prove that something did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
