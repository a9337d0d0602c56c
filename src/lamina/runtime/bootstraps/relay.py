"""The sandbox's first process: loopback addresses for a function that has no network.

In bubblewrap an environment has its own network namespace with nothing in it but ``lo``: the
host's ports, Lamina's included, cannot be reached. Lamina binds two Unix sockets into the
sandbox instead (the environment's Runtime API, and a forwarder to Lamina's endpoint), and this
relay gives the function the addresses it expects (``AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001``,
``AWS_ENDPOINT_URL=http://127.0.0.1:PORT``) by forwarding each TCP connection to its socket.

Run as ``python -S -I relay.py [--nofile N] [--fsize BYTES] PORT=SOCKET ... -- ARGV...``. It
binds the ports first, then forks: the child forwards, the parent sets the limits and becomes (``exec``)
the runtime, which stays bubblewrap's direct child (its exit status is the environment's), and a
runtime that connects at once waits in the listen backlog, never on a refused port. When the
runtime exits, bubblewrap tears the PID namespace down and the relay with it.

Standard library only, any Python 3 (the function's own interpreter, or the one Lamina runs on
for Node.js and ``provided`` functions). One thread per direction of a connection: bytes only,
no parsing, ``TCP_NODELAY`` on the loopback side, so a warm invocation costs a copy each way.
"""

from __future__ import annotations

import _socket
import _thread
import os
import sys

Socket = _socket.socket


def _pump(source: Socket, target: Socket) -> None:
    """Copy one direction until it closes, then pass the close on (half-close, then both)."""
    try:
        while True:
            data = source.recv(262144)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    try:  # noqa: SIM105 (contextlib would be one more import on every cold start)
        target.shutdown(_socket.SHUT_WR)
    except OSError:
        pass


def _forward(client: Socket, path: str) -> None:
    upstream = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        upstream.connect(path)
    except OSError:
        upstream.close()
        client.close()
        return
    _thread.start_new_thread(_pump, (upstream, client))
    _pump(client, upstream)  # both sockets close when the second direction lets go of them


def _serve(listener: Socket, path: str) -> None:
    while True:
        try:
            descriptor, _ = listener._accept()  # type: ignore[attr-defined]  # _socket's accept: a descriptor
        except OSError:
            continue
        client = _socket.socket(fileno=descriptor)
        client.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        _thread.start_new_thread(_forward, (client, path))


def _listen(port: int) -> Socket:
    listener = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    listener.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    return listener


def _limit(name: str, value: int) -> None:
    import resource

    which = getattr(resource, name)
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def main(args: list[str]) -> None:
    split = args.index("--")
    options, argv = args[:split], args[split + 1:]
    limits: dict[str, int] = {}
    routes: list[tuple[Socket, str]] = []
    while options:
        option = options.pop(0)
        if option == "--nofile":
            limits["RLIMIT_NOFILE"] = int(options.pop(0))
        elif option == "--fsize":
            limits["RLIMIT_FSIZE"] = int(options.pop(0))
        else:
            port, path = option.split("=", 1)
            routes.append((_listen(int(port)), path))
    if os.fork() == 0:
        for listener, path in routes[1:]:
            _thread.start_new_thread(_serve, (listener, path))
        if routes:
            _serve(*routes[0])
        os._exit(0)
    for listener, _ in routes:
        listener.close()
    for name, value in limits.items():
        _limit(name, value)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
