"""The AWS service models Lamina speaks, loaded once from botocore, behind a small typed adapter.

Nothing outside :mod:`lamina.protocols` touches botocore's raw model dicts: it asks a
:class:`ServiceSpec` for an operation by name, for an error's code/status/fault, or for the
facts in the model's metadata (protocol, API version, XML namespace).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

__all__ = ["SERVICES", "ErrorSpec", "ServiceSpec", "load_service"]

SERVICES: tuple[str, ...] = ("iam", "sts", "lambda", "logs")
"""The botocore service names Lamina implements."""

# Whether a service repeats the offending value in its validation messages. Recorded AWS
# responses (2025): IAM writes "Value at 'status' ...", STS and Lambda "Value 'x' at ...".
_ECHOES_VALUES: Mapping[str, bool] = {"iam": False}

# The code of a failed constraint check: the Query services say ValidationError, Lambda (recorded
# answers) ValidationException, which its model does not declare; CloudWatch Logs answers
# InvalidParameterException ("1 validation error detected: Value '..' at 'logGroupName' ...").
_VALIDATION_CODES: Mapping[str, str] = {"lambda": "ValidationException", "logs": "InvalidParameterException"}


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One modelled error: its wire code, HTTP status and who is at fault."""

    code: str
    status: int
    sender_fault: bool
    shape_name: str


class ServiceSpec:
    """A botocore :class:`ServiceModel` seen through the questions a server asks of it."""

    def __init__(
        self, model: ServiceModel, *, echoes_values: bool = True, validation_code: str = "ValidationError"
    ) -> None:
        self.model = model
        self.name: str = model.service_name
        self.echoes_values = echoes_values
        """Whether validation messages quote the rejected value (see ``_ECHOES_VALUES``)."""
        self.validation_code = validation_code
        """The error code of failed constraint checks (see ``_VALIDATION_CODES``)."""
        metadata = model.metadata
        self.protocol: str = metadata["protocol"]
        self.api_version: str = metadata["apiVersion"]
        self.xml_namespace: str | None = metadata.get("xmlNamespace")
        self._operations: dict[str, OperationModel] = {}
        self._errors = {spec.shape_name: spec for spec in map(_error_spec, _error_shapes(model))}
        self._errors_by_code = {spec.code: spec for spec in self._errors.values()}

    @property
    def operation_names(self) -> tuple[str, ...]:
        """Every operation of the model, in model order."""
        return tuple(self.model.operation_names)

    def operation(self, name: str) -> OperationModel | None:
        """The operation called ``name`` (exact, case-sensitive), or ``None``."""
        found = self._operations.get(name)
        if found is None and name in self.model.operation_names:
            found = self._operations[name] = self.model.operation_model(name)
        return found

    @property
    def errors(self) -> Mapping[str, ErrorSpec]:
        """Every modelled error, by shape name (``NoSuchEntityException``)."""
        return self._errors

    def error(self, shape_name: str) -> ErrorSpec:
        """The error modelled by ``shape_name``; ``KeyError`` if the model has none such."""
        return self._errors[shape_name]

    def error_for_code(self, code: str) -> ErrorSpec | None:
        """The modelled error whose wire code is ``code`` (``NoSuchEntity``), if any."""
        return self._errors_by_code.get(code)


def _error_shapes(model: ServiceModel) -> list[Shape]:
    return [model.shape_for(name) for name in model.shape_names if _is_exception(model, name)]


def _is_exception(model: ServiceModel, name: str) -> bool:
    return bool(model.shape_for(name).metadata.get("exception"))


def _error_spec(shape: Shape) -> ErrorSpec:
    """Code, status and fault from the shape's ``error`` trait, with AWS's defaults.

    Without the trait the code is the shape name and the status 400; faults follow the
    status when ``senderFault`` is absent (5xx is the receiver's fault).
    """
    trait = shape.metadata.get("error", {})
    status = int(trait.get("httpStatusCode", 400))
    return ErrorSpec(
        code=trait.get("code", shape.name),
        status=status,
        sender_fault=bool(trait.get("senderFault", status < 500)),
        shape_name=shape.name,
    )


@functools.cache
def _loader() -> Loader:
    return Loader()


_PATCHES = Path(__file__).with_name("model_patches.json")


def _patched(name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with this service's corrections from ``model_patches.json`` (``remove`` and ``replace``
    at a JSON Pointer), on a copy: botocore's own loader keeps the original for clients."""
    patches = json.loads(_PATCHES.read_text()).get(name, [])
    if not patches:
        return raw
    raw = copy.deepcopy(raw)
    for patch in patches:
        *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in patch["path"].split("/")[1:]]
        node: Any = raw
        for part in parents:
            node = node[part]
        if patch["op"] == "remove":
            del node[last]
        elif patch["op"] == "replace":
            node[last] = patch["value"]
        else:
            raise ValueError(f"model patch {patch['path']}: unknown op {patch['op']!r}")
    return raw


@functools.cache
def load_service(name: str) -> ServiceSpec:
    """The cached :class:`ServiceSpec` of botocore service ``name`` (``iam``, ``sts``, ``lambda``),
    with Lamina's corrections applied (``model_patches.json``)."""
    raw = _patched(name, _loader().load_service_model(name, "service-2"))
    model = ServiceModel(raw, service_name=name)
    return ServiceSpec(
        model,
        echoes_values=_ECHOES_VALUES.get(name, True),
        validation_code=_VALIDATION_CODES.get(name, "ValidationError"),
    )
