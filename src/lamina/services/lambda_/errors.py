"""Lambda's errors, one class per error shape of the model, built from it by ``error_type``.

Code, HTTP status and fault come from the shape; the constructor takes the message and, as
keywords, the shape's other members::

    raise ResourceNotFoundException(f"Function not found: {arn}")
    raise TooManyRequestsException("Rate Exceeded.", Reason="ReservedFunctionConcurrentInvocationLimitExceeded")

A test checks that every error of the model has exactly one binding here.
"""

from __future__ import annotations

from lamina.protocols.errors import ModeledError, error_type

__all__ = [
    "AliasLimitExceededException",
    "CallbackTimeoutException",
    "CapacityProviderLimitExceededException",
    "CodeArtifactUserDeletedException",
    "CodeArtifactUserFailedException",
    "CodeArtifactUserPendingException",
    "CodeSigningConfigNotFoundException",
    "CodeStorageExceededException",
    "CodeVerificationFailedException",
    "DurableExecutionAlreadyStartedException",
    "EC2AccessDeniedException",
    "EC2ThrottledException",
    "EC2UnexpectedException",
    "EFSIOException",
    "EFSMountConnectivityException",
    "EFSMountFailureException",
    "EFSMountTimeoutException",
    "ENILimitReachedException",
    "ENINotReadyException",
    "FunctionVersionsPerCapacityProviderLimitExceededException",
    "InvalidCodeSignatureException",
    "InvalidParameterValueException",
    "InvalidRequestContentException",
    "InvalidRuntimeException",
    "InvalidSecurityGroupIDException",
    "InvalidSubnetIDException",
    "InvalidZipFileException",
    "KMSAccessDeniedException",
    "KMSDisabledException",
    "KMSInvalidStateException",
    "KMSNotFoundException",
    "ModeNotSupportedException",
    "NoPublishedVersionException",
    "PolicyLengthExceededException",
    "PreconditionFailedException",
    "ProvisionedConcurrencyConfigNotFoundException",
    "PublicPolicyException",
    "RecursiveInvocationException",
    "RequestTooLargeException",
    "ResourceConflictException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ResourceNotReadyException",
    "RuntimeAliasDeletedException",
    "RuntimeVersionDeletedException",
    "S3FilesMountConnectivityException",
    "S3FilesMountFailureException",
    "S3FilesMountTimeoutException",
    "SerializedRequestEntityTooLargeException",
    "ServiceException",
    "ServiceQuotaExceededException",
    "SnapStartException",
    "SnapStartNotReadyException",
    "SnapStartRegenerationFailureException",
    "SnapStartTimeoutException",
    "SubnetIPAddressLimitReachedException",
    "TooManyRequestsException",
    "UnsupportedMediaTypeException",
]


def _error(shape_name: str) -> type[ModeledError]:
    return error_type("lambda", shape_name)


AliasLimitExceededException = _error("AliasLimitExceededException")
CallbackTimeoutException = _error("CallbackTimeoutException")
CapacityProviderLimitExceededException = _error("CapacityProviderLimitExceededException")
CodeArtifactUserDeletedException = _error("CodeArtifactUserDeletedException")
CodeArtifactUserFailedException = _error("CodeArtifactUserFailedException")
CodeArtifactUserPendingException = _error("CodeArtifactUserPendingException")
CodeSigningConfigNotFoundException = _error("CodeSigningConfigNotFoundException")
CodeStorageExceededException = _error("CodeStorageExceededException")
CodeVerificationFailedException = _error("CodeVerificationFailedException")
DurableExecutionAlreadyStartedException = _error("DurableExecutionAlreadyStartedException")
EC2AccessDeniedException = _error("EC2AccessDeniedException")
EC2ThrottledException = _error("EC2ThrottledException")
EC2UnexpectedException = _error("EC2UnexpectedException")
EFSIOException = _error("EFSIOException")
EFSMountConnectivityException = _error("EFSMountConnectivityException")
EFSMountFailureException = _error("EFSMountFailureException")
EFSMountTimeoutException = _error("EFSMountTimeoutException")
ENILimitReachedException = _error("ENILimitReachedException")
ENINotReadyException = _error("ENINotReadyException")
FunctionVersionsPerCapacityProviderLimitExceededException = _error(
    "FunctionVersionsPerCapacityProviderLimitExceededException"
)
InvalidCodeSignatureException = _error("InvalidCodeSignatureException")
InvalidParameterValueException = _error("InvalidParameterValueException")
InvalidRequestContentException = _error("InvalidRequestContentException")
InvalidRuntimeException = _error("InvalidRuntimeException")
InvalidSecurityGroupIDException = _error("InvalidSecurityGroupIDException")
InvalidSubnetIDException = _error("InvalidSubnetIDException")
InvalidZipFileException = _error("InvalidZipFileException")
KMSAccessDeniedException = _error("KMSAccessDeniedException")
KMSDisabledException = _error("KMSDisabledException")
KMSInvalidStateException = _error("KMSInvalidStateException")
KMSNotFoundException = _error("KMSNotFoundException")
ModeNotSupportedException = _error("ModeNotSupportedException")
NoPublishedVersionException = _error("NoPublishedVersionException")
PolicyLengthExceededException = _error("PolicyLengthExceededException")
PreconditionFailedException = _error("PreconditionFailedException")
ProvisionedConcurrencyConfigNotFoundException = _error("ProvisionedConcurrencyConfigNotFoundException")
PublicPolicyException = _error("PublicPolicyException")
RecursiveInvocationException = _error("RecursiveInvocationException")
RequestTooLargeException = _error("RequestTooLargeException")
ResourceConflictException = _error("ResourceConflictException")
ResourceInUseException = _error("ResourceInUseException")
ResourceNotFoundException = _error("ResourceNotFoundException")
ResourceNotReadyException = _error("ResourceNotReadyException")
RuntimeAliasDeletedException = _error("RuntimeAliasDeletedException")
RuntimeVersionDeletedException = _error("RuntimeVersionDeletedException")
S3FilesMountConnectivityException = _error("S3FilesMountConnectivityException")
S3FilesMountFailureException = _error("S3FilesMountFailureException")
S3FilesMountTimeoutException = _error("S3FilesMountTimeoutException")
SerializedRequestEntityTooLargeException = _error("SerializedRequestEntityTooLargeException")
ServiceException = _error("ServiceException")
ServiceQuotaExceededException = _error("ServiceQuotaExceededException")
SnapStartException = _error("SnapStartException")
SnapStartNotReadyException = _error("SnapStartNotReadyException")
SnapStartRegenerationFailureException = _error("SnapStartRegenerationFailureException")
SnapStartTimeoutException = _error("SnapStartTimeoutException")
SubnetIPAddressLimitReachedException = _error("SubnetIPAddressLimitReachedException")
TooManyRequestsException = _error("TooManyRequestsException")
UnsupportedMediaTypeException = _error("UnsupportedMediaTypeException")
