"""The IAM operations that depend on something Lamina does not have, answered as AWS answers an
account without it; and the account properties, which Lamina keeps.

- Organizations (centralized root access, the Organizations access report): a Lamina account
  belongs to no organization. The root-access operations answer the model's
  ``OrganizationNotFoundException``; GenerateOrganizationsAccessReport starts a job that
  GetOrganizationsAccessReport reports FAILED with AWS's Organizations error, as AWS reports a
  job it could not run.
- Delegation requests (``CreateDelegationRequest`` and the rest) need AWS partner onboarding:
  Create is refused, there are none to list, and every id is NoSuchEntity.
- Role templates (``AcquireRole``, ``GetRoleTemplateVersion``) come from AWS's catalogue of
  templates, none of which Lamina has: every template ARN is NoSuchEntity.
- ``GetHumanReadableSummary`` summarises delegation requests only (an LLM on AWS): NoSuchEntity.

Each is authorized first with its catalog declaration, so a caller without permission learns that
before anything else, as on AWS.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import Authorization, Operation, operation
from lamina.store import NotFound, Store
from lamina.store.repositories import reports

from ._common import account_of
from .credential_errors import transaction
from .declarations import derived_authorization
from .errors import invalid_input, no_such_entity

NO_ORGANIZATION = ("OrganizationNotFoundException",
                   "The request was rejected because no organization is associated with your account.")


def _declared(name: str) -> Authorization:
    return derived_authorization("iam", name)


def _no_organization(ctx: RequestContext, store: Store) -> dict[str, Any]:
    raise ServiceError(*NO_ORGANIZATION, 400, True)


_ROOT_ACCESS = ("ListOrganizationsFeatures", "EnableOrganizationsRootSessions", "DisableOrganizationsRootSessions",
                "EnableOrganizationsRootCredentialsManagement", "DisableOrganizationsRootCredentialsManagement")


@operation("iam", "GenerateOrganizationsAccessReport", authorization=_declared("GenerateOrganizationsAccessReport"))
def generate_organizations_access_report(ctx: RequestContext, store: Store) -> dict[str, Any]:
    started = datetime.now(UTC).replace(microsecond=0)
    with transaction(store) as conn:
        job = reports.save_job(conn, account_of(ctx), "organizations", ctx.params["EntityPath"], "SERVICE_LEVEL",
                               {}, started)
    return {"JobId": job.job_id}


@operation("iam", "GetOrganizationsAccessReport", authorization=_declared("GetOrganizationsAccessReport"))
def get_organizations_access_report(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The job, FAILED: the account is not in an organization (AWS's ErrorDetails)."""
    with transaction(store, read_only=True) as conn:
        try:
            job = reports.get_job(conn, account_of(ctx), ctx.params["JobId"], kind="organizations")
        except NotFound as error:
            raise no_such_entity(f"No such job exists with id {ctx.params['JobId']}") from error
    return {"JobStatus": "FAILED", "JobCreationDate": job.created_at, "JobCompletionDate": job.completed_at,
            "IsTruncated": False,
            "ErrorDetails": {"Code": "AWSOrganizationsNotInUseException",
                             "Message": "Your account is not a member of an organization."}}


# --- delegation requests, role templates, summaries ------------------------------------------


@operation("iam", "CreateDelegationRequest", authorization=_declared("CreateDelegationRequest"))
def create_delegation_request(ctx: RequestContext, store: Store) -> dict[str, Any]:
    raise invalid_input("The caller is not onboarded as a partner for delegation requests.")


@operation("iam", "ListDelegationRequests", authorization=_declared("ListDelegationRequests"))
def list_delegation_requests(ctx: RequestContext, store: Store) -> dict[str, Any]:
    return {"DelegationRequests": [], "isTruncated": False}


def _no_delegation_request(ctx: RequestContext, store: Store) -> dict[str, Any]:
    raise no_such_entity(f"Delegation request {ctx.params['DelegationRequestId']} does not exist.")


_ON_DELEGATION_REQUEST = ("GetDelegationRequest", "AcceptDelegationRequest", "RejectDelegationRequest",
                          "AssociateDelegationRequest", "UpdateDelegationRequest", "SendDelegationToken")


@operation("iam", "GetHumanReadableSummary", authorization=_declared("GetHumanReadableSummary"))
def get_human_readable_summary(ctx: RequestContext, store: Store) -> dict[str, Any]:
    arn = ctx.params["EntityArn"]
    if ":delegation-request/" not in arn:
        raise invalid_input(f"Summaries are only available for delegation requests, not {arn}.")
    raise no_such_entity(f"Delegation request {arn} does not exist.")


def _no_template(ctx: RequestContext, store: Store) -> dict[str, Any]:
    raise no_such_entity(f"Role template {ctx.params['TemplateArn']} does not exist.")


_ON_TEMPLATE = ("AcquireRole", "GetRoleTemplateVersion")

OPERATIONS = [Operation("iam", name, handler, _declared(name))
              for names, handler in ((_ROOT_ACCESS, _no_organization), (_ON_DELEGATION_REQUEST, _no_delegation_request),
                                     (_ON_TEMPLATE, _no_template))
              for name in names]
"""The operations that share one answer (``collect`` reads this list beside the marked handlers)."""


# --- account properties -----------------------------------------------------------------------


@operation("iam", "GetAccountProperties", authorization=_declared("GetAccountProperties"))
def get_account_properties(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        return {"Properties": reports.account_properties_of(conn, account_of(ctx))}


@operation("iam", "PutAccountProperties", authorization=_declared("PutAccountProperties"))
def put_account_properties(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """``Namespace/PropertyName`` keys, all of one namespace in one request, as AWS requires."""
    given: dict[str, str] = dict(ctx.params["Properties"])
    namespaces = {key.split("/", 1)[0] for key in given}
    if any("/" not in key for key in given):
        raise invalid_input("Property names must be in the Namespace/PropertyName format.")
    if len(namespaces) > 1:
        raise invalid_input("All properties in a single request must belong to the same namespace.")
    with transaction(store) as conn:
        reports.put_account_properties(conn, account_of(ctx), given)
    return {}
