"""Error classes built from the model: one binding per Lambda error, extra members, pickling."""

from __future__ import annotations

import json
import pickle

import pytest

from lamina.protocols import ServiceError, error_type, load_service, modeled_error, rest_json, serializer_for
from lamina.protocols.errors import ModeledError
from lamina.services.lambda_ import errors

LAMBDA = load_service("lambda")


def test_every_modelled_lambda_error_has_exactly_one_binding() -> None:
    bound: dict[str, list[str]] = {}
    for name, value in vars(errors).items():
        if isinstance(value, type) and issubclass(value, ModeledError) and value is not ModeledError:
            bound.setdefault(value.shape_name, []).append(name)
    assert bound == {shape_name: [shape_name] for shape_name in LAMBDA.errors}
    assert sorted(errors.__all__) == sorted(LAMBDA.errors)


def test_classes_carry_the_models_code_status_and_fault() -> None:
    error = errors.ResourceNotFoundException("Function not found: arn:aws:lambda:us-east-1:1:function:f")
    assert isinstance(error, ServiceError)
    assert (error.code, error.status, error.sender_fault, error.fields) == ("ResourceNotFoundException", 404, True, {})
    assert errors.ServiceException("boom").sender_fault is False
    assert errors.EC2UnexpectedException("x", EC2ErrorCode="E1").fields == {"EC2ErrorCode": "E1"}
    assert error_type("lambda", "ResourceNotFoundException") is errors.ResourceNotFoundException


def test_unknown_extra_members_are_refused() -> None:
    with pytest.raises(TypeError, match="Reasons"):
        errors.TooManyRequestsException("Rate Exceeded.", Reasons="x")


def test_modeled_errors_pickle_as_themselves_with_their_fields() -> None:
    error = errors.TooManyRequestsException(
        "Rate Exceeded.", Reason="ConcurrentInvocationLimitExceeded", retryAfterSeconds="2"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.TooManyRequestsException
    assert (copy.message, copy.fields, copy.status) == (error.message, error.fields, 429)
    plain = ServiceError("Throttling", "Rate exceeded", 400, fields={"x": 1})
    assert pickle.loads(pickle.dumps(plain)).fields == {"x": 1}


def test_modeled_error_keeps_working_and_returns_the_bound_class() -> None:
    error = modeled_error("lambda", "TooManyRequestsException", "Rate Exceeded.")
    assert isinstance(error, errors.TooManyRequestsException)
    iam = modeled_error("iam", "NoSuchEntityException", "nope")
    assert (iam.code, iam.status) == ("NoSuchEntity", 404)


def test_retry_after_is_a_header_and_reason_a_body_member() -> None:
    error = errors.TooManyRequestsException(
        "Rate Exceeded.", Reason="ReservedFunctionConcurrentInvocationLimitExceeded", retryAfterSeconds="1"
    )
    response = serializer_for("lambda").serialize_error(error, "r")
    assert response.status == 429
    assert (response.headers["x-amzn-ErrorType"], response.headers["Retry-After"]) == ("TooManyRequestsException", "1")
    assert json.loads(response.body) == {
        "Type": "User",
        "message": "Rate Exceeded.",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
    }


def test_unmodelled_errors_keep_the_plain_envelope() -> None:
    response = rest_json.serialize_error(ServiceError("UnknownOperationException", "no", 404), "r")
    assert json.loads(response.body) == {"Type": "User", "Message": "no"}
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    internal = rest_json.serialize_error(ServiceError("InternalFailure", "oops", 500, sender_fault=False), "r")
    assert json.loads(internal.body)["Type"] == "Service"


def test_the_query_serializer_ignores_fields() -> None:
    error = ServiceError("Throttling", "Rate exceeded", 400, fields={"Reason": "x"})
    body = serializer_for("iam").serialize_error(error, "r").body
    assert b"<Code>Throttling</Code>" in body and b"Reason" not in body
