"""Lamina's Python bootstrap: the loop AWS's Python runtime runs, in the standard library only.

It runs unchanged on Python 3.9 to 3.13 as ``python /var/runtime/python_bootstrap.py`` inside an
environment: it imports the handler named by ``_HANDLER`` from ``LAMBDA_TASK_ROOT``, then, for
ever, takes the next event from the Runtime API at ``AWS_LAMBDA_RUNTIME_API``, calls the handler
with the event and a context object, and posts the result or AWS's error document. Error types,
messages and the stack trace format follow ``awslambdaric`` (AWS's own runtime client), so a
function sees what it would see on AWS. One keep-alive connection carries every call.
"""

from __future__ import annotations

import _socket  # not socket: socket.py imports selectors, enum and array, milliseconds of every cold start
import json
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:  # for annotations only: importing typing would cost every cold start milliseconds
    from collections.abc import Callable
    from typing import Any

_API = "/2018-06-01/runtime"
_BOOTSTRAP_FILE = os.path.basename(__file__)
_request_id = ""


class FaultError(Exception):
    """A failure of the runtime's own making, reported with one of AWS's ``Runtime.*`` types."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, document: dict[str, Any] | None) -> None:
        document = document or {}
        self.cognito_identity_id = document.get("cognitoIdentityId")
        self.cognito_identity_pool_id = document.get("cognitoIdentityPoolId")


class Client:
    __slots__ = ("app_package_name", "app_title", "app_version_code", "app_version_name", "installation_id")

    def __init__(self, document: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, document.get(name))


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, document: dict[str, Any]) -> None:
        self.custom = document.get("custom")
        self.env = document.get("env")
        client = document.get("client")
        self.client = Client(client) if isinstance(client, dict) else None


class LambdaContext:
    """The context object, with the attributes ``awslambdaric`` gives it."""

    def __init__(self, request_id: str, arn: str, deadline_ms: int, client_context: dict[str, Any] | None,
                 identity: dict[str, Any] | None) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.client_context = ClientContext(client_context) if client_context is not None else None
        self.identity = CognitoIdentity(identity)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(str(message))
        sys.stdout.flush()


_SANDBOX_API = "127.0.0.1:9001"
_SANDBOX_SOCKET = "/var/lamina/runtime-api.sock"
"""In Lamina's sandbox (no network), the Runtime API's own Unix socket: the relay offers it on
``127.0.0.1:9001`` for any runtime, and this bootstrap, Lamina's own, skips the relay's hop."""


class RuntimeClient:
    """The Runtime API over one keep-alive HTTP/1.1 connection.

    A plain socket rather than ``http.client``: that module imports ``email`` and ``ssl``, which
    cost tens of milliseconds of every cold start (and ``_socket`` rather than ``socket``, for the
    same reason; the host is given as bytes, as a ``str`` would import the ``idna`` codec). The
    server is Lamina's own and always answers with ``Content-Length``, so this small client is all
    the protocol needed. A reply is sent together with the ``/next`` that follows it (HTTP
    pipelining, in one write): one round trip per invocation instead of two.
    """

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host = "%s:%s" % (host, port)
        self.address: tuple[bytes, int] | str = (host.encode("ascii"), int(port))
        if address == _SANDBOX_API and os.path.exists(_SANDBOX_SOCKET):
            self.address = _SANDBOX_SOCKET  # straight to Lamina, not through the sandbox's relay
        self.sock: _socket.socket | None = None
        self.buffer = b""

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return self.calls([(method, path, body, headers)])[0]

    def calls(self, requests: list[tuple[str, str, bytes | None, dict[str, str] | None]]
              ) -> list[tuple[int, dict[str, str], bytes]]:
        """The answers to ``requests``, sent in one write; those a closed connection left
        unanswered are sent again on a new one, and a failing connection is retried once."""
        answers: list[tuple[int, dict[str, str], bytes]] = []
        failures = 0
        while len(answers) < len(requests):
            try:
                self._send(requests[len(answers):])
                while len(answers) < len(requests) and self.sock is not None:
                    answers.append(self._receive())
            except (OSError, ValueError):
                self.close()
                failures += 1
                if failures == 2:
                    raise
        return answers

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def _send(self, requests: list[tuple[str, str, bytes | None, dict[str, str] | None]]) -> None:
        if self.sock is None:
            unix = isinstance(self.address, str)
            sock = _socket.socket(_socket.AF_UNIX if unix else _socket.AF_INET, _socket.SOCK_STREAM)
            try:
                sock.connect(self.address)
                if not unix:
                    sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            except OSError:
                sock.close()
                raise
            self.sock = sock
        data = []
        for method, path, body, headers in requests:
            body = body or b""
            lines = ["%s %s%s HTTP/1.1" % (method, _API, path), "Host: " + self.host,
                     "Content-Length: %d" % len(body)]
            lines += ["%s: %s" % item for item in (headers or {}).items()]
            data.append(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.sock.sendall(b"".join(data))

    def _receive(self) -> tuple[int, dict[str, str], bytes]:
        head = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        found = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            found[name.strip().lower()] = value.strip()
        content = self._exactly(int(found.get("content-length", "0")))
        if found.get("connection", "").lower() == "close":
            self.close()
        return status, found, content

    def _fill(self) -> None:
        assert self.sock is not None
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the Runtime API closed the connection")
        self.buffer += data

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def post_error(self, path: str, document: dict[str, Any]) -> None:
        self.call("POST", path, _to_json(document), _error_headers(document))


def _error_headers(document: dict[str, Any]) -> dict[str, str]:
    return {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": document["errorType"]}


_NEXT = ("GET", "/invocation/next", None, None)


def _to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _error_document(message: str, error_type: str, trace: list[str] | None, request_id: str = "") -> dict[str, Any]:
    """AWS's error document (``awslambdaric``'s ``make_error``)."""
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id,
            "stackTrace": trace or []}


def _user_frames(tb: Any) -> list[str]:
    """The traceback from the first frame that is not the bootstrap's, as ``format_list`` writes it."""
    import traceback  # only errors need it (it costs a cold start milliseconds)

    frames = list(traceback.extract_tb(tb))
    for index, frame in enumerate(frames):
        if not frame.filename.endswith(_BOOTSTRAP_FILE):
            frames = frames[index:]
            break
    return traceback.format_list(frames)


def _log_error(document: dict[str, Any]) -> None:
    """The ``[ERROR] Type: message`` record AWS writes, lines joined by carriage returns."""
    message = document["errorMessage"]
    description = "[ERROR] " + document["errorType"] + (": " + message if message else "")
    lines = [description, "Traceback (most recent call last):"]
    for element in document.get("stackTrace") or []:
        lines += [line.replace(" ", "\u00a0", len(line) - len(line.lstrip(" "))) for line in element.splitlines()]
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def _load_handler(handler: str) -> Callable[..., Any]:
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as bad:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {bad}")
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultError("Runtime.BuiltInModuleConflict",
                             f"Cannot use built-in module {module_name} as a handler module")
        dotted = module_name.replace("/", ".")
        __import__(dotted)  # importlib.import_module without importing importlib
        module = sys.modules[dotted]
    except ImportError as missing:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {missing}")
    except SyntaxError as syntax:
        trace = ['  File "%s" Line %s\n    %s' % (syntax.filename, syntax.lineno, syntax.text)]
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {syntax}",
                         trace)
    try:
        found: Callable[..., Any] = getattr(module, function_name)
    except AttributeError:
        raise FaultError("Runtime.HandlerNotFound",
                         f"Handler '{function_name}' missing on module '{module_name}'")
    return found


_logging_ready = False


def _setup_logging() -> None:
    """The root logger's handler, formatted as AWS's Python runtime formats it.

    Installed once the function's code has imported ``logging`` (checked at start and before each
    invocation): importing it here would cost every cold start, functions that never log included.
    """
    global _logging_ready
    if _logging_ready or "logging" not in sys.modules:
        return
    _logging_ready = True
    import logging

    class RequestIdFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.aws_request_id = _request_id
            return True

    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        logging.getLogger().setLevel(level)


def _header_json(headers: dict[str, str], name: str) -> dict[str, Any] | None:
    raw = headers.get(name)
    return json.loads(raw) if raw else None


def _invoke(client: RuntimeClient, handler: Callable[..., Any], headers: dict[str, str],
            body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Run one event; its reply goes out with the request for the next event, whose answer this returns."""
    global _request_id
    request_id = _request_id = headers.get("lambda-runtime-aws-request-id", "")
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        context = LambdaContext(
            request_id, headers.get("lambda-runtime-invoked-function-arn", ""),
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            _header_json(headers, "lambda-runtime-client-context"),
            _header_json(headers, "lambda-runtime-cognito-identity"),
        )
        try:
            event = json.loads(body) if body else None
        except ValueError as bad:
            raise FaultError("Runtime.UnmarshalError", f"Unable to unmarshal input: {bad}")
        result = handler(event, context)
        if isinstance(result, bytes):
            payload, content_type = result, "application/unknown"
        else:
            try:
                payload, content_type = _to_json(result), "application/json"
            except (TypeError, ValueError) as bad:
                raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {bad}")
    except FaultError as fault:
        document = _error_document(fault.message, fault.error_type, fault.trace, request_id)
    except Exception:
        kind, value, tb = sys.exc_info()
        document = _error_document(str(value), kind.__name__ if kind else "Exception", _user_frames(tb), request_id)
    else:
        sys.stdout.flush()
        sys.stderr.flush()
        reply = ("POST", f"/invocation/{request_id}/response", payload, {"Content-Type": content_type})
        return client.calls([reply, _NEXT])[1]
    _log_error(document)
    sys.stderr.flush()
    error = ("POST", f"/invocation/{request_id}/error", _to_json(document), _error_headers(document))
    return client.calls([error, _NEXT])[1]


def _site_builtins() -> None:
    """``exit`` and ``quit``, which ``site`` would have added (Lamina runs Python with ``-S``)."""
    import builtins
    from _sitebuiltins import Quitter

    for name in ("exit", "quit"):
        if not hasattr(builtins, name):
            setattr(builtins, name, Quitter(name, "Ctrl-D (i.e. EOF)"))


def main() -> None:
    _site_builtins()
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path.append(sys.path.pop(0))  # the runtime's directory comes after the code and layers, as on AWS
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except FaultError as fault:
        document = _error_document(fault.message, fault.error_type, fault.trace)
    except Exception:
        kind, value, tb = sys.exc_info()
        document = _error_document(str(value), kind.__name__ if kind else "Exception", _user_frames(tb))
    else:
        document = {}
        _setup_logging()
    if document:
        _log_error(document)
        client.post_error("/init/error", document)
        sys.exit(1)
    status, headers, body = client.call(*_NEXT)
    while True:
        if status != 200:
            sys.stderr.write(f"Lamina bootstrap: /next answered {status}: {body[:200]!r}\n")
            sys.exit(1)
        _setup_logging()
        status, headers, body = _invoke(client, handler, headers, body)


if __name__ == "__main__":
    main()
