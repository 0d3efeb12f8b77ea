"""No network for this Python process: loaded at start-up when this folder is on ``PYTHONPATH``.

tests/test_offline.py puts it there for the notebook kernels it starts, so they behave as on a laptop
without internet: every connection or name lookup for a host other than this machine fails at once
with ``OSError`` (loopback stays open: the kernel talks to its client over 127.0.0.1).
"""

import errno
import socket

MARKER = "network blocked for the offline test"
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def _is_local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return host is None or str(host) in _LOOPBACK_NAMES or str(host).startswith("127.")


_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        raise socket.gaierror(socket.EAI_NONAME, f"{MARKER}: cannot resolve {host}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _check(sock: socket.socket, address: object) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise OSError(errno.ENETUNREACH, f"{MARKER}: cannot connect to {address[0]}")


def _connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


socket.getaddrinfo = _getaddrinfo
socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
