"""IAM server certificates: Upload/Get/List/Update/DeleteServerCertificate and their tags.

The body, chain and private key are parsed with ``cryptography`` before anything is stored: a body
or key that is not PEM is AWS's MalformedCertificate, a key that does not belong to the body's
public key KeyPairMismatch, a chain out of order MalformedCertificate naming the index, as AWS
words them. ``Expiration`` is the certificate's own notAfter. The private key is stored encrypted
and no answer ever carries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import server_certificates, tags
from lamina.store.repositories.server_certificates import TAG_KIND, ServerCertificateRow

from ._common import account_of, page_args, page_out, request_tags, tags_out
from ._credential_auth import on_certificate
from .credential_errors import key_pair_mismatch, malformed_certificate, transaction
from .declarations import derived_authorization

_UNPARSEABLE_BODY = "Unable to parse certificate. Please ensure the certificate is in PEM format."
_UNPARSEABLE_KEY = "Unable to parse private key. Please ensure the private key is in PEM format."
_BAD_CHAIN = ("Unable to validate certificate chain. The certificate chain must start with the immediate signing "
              "certificate, followed by any intermediaries in order. The index within the chain of the invalid "
              "certificate is: {}")


def _certificate(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as error:
        raise malformed_certificate(_UNPARSEABLE_BODY) from error


def _check_key(certificate: x509.Certificate, pem: str) -> None:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:  # TypeError: an encrypted key (AWS takes none)
        raise malformed_certificate(_UNPARSEABLE_KEY) from error
    raw = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, raw) != \
            certificate.public_key().public_bytes(serialization.Encoding.DER, raw):
        raise key_pair_mismatch()


def _check_chain(certificate: x509.Certificate, pem: str) -> None:
    """Each certificate of the chain must have issued the one before it (the body first)."""
    try:
        chain = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as error:
        raise malformed_certificate(_BAD_CHAIN.format(-1)) from error
    issued = certificate
    for index, issuer in enumerate(chain):
        if issued.issuer != issuer.subject:
            raise malformed_certificate(_BAD_CHAIN.format(index - 1 if index else -1))
        issued = issuer


def validated_expiration(body: str, private_key: str, chain: str | None) -> datetime:
    """The certificate's notAfter, once body, key and chain are valid together."""
    certificate = _certificate(body)
    _check_key(certificate, private_key)
    if chain:
        _check_chain(certificate, chain)
    return certificate.not_valid_after_utc.replace(microsecond=0)


def _metadata(row: ServerCertificateRow) -> dict[str, Any]:
    return {"Path": row.path, "ServerCertificateName": row.name, "ServerCertificateId": row.certificate_id,
            "Arn": row.arn, "UploadDate": row.created_at, "Expiration": row.expires_at}


@operation("iam", "UploadServerCertificate", authorization=on_certificate("UploadServerCertificate"))
def upload_server_certificate(ctx: RequestContext, store: Store) -> dict[str, Any]:
    params = ctx.params
    body, chain = params["CertificateBody"].strip(), (params.get("CertificateChain") or "").strip() or None
    expires = validated_expiration(body, params["PrivateKey"], chain)
    account, new_tags = account_of(ctx), request_tags(ctx)
    with transaction(store) as conn:
        row = server_certificates.upload(conn, store.secret_box, account, params["ServerCertificateName"],
                                         params.get("Path") or "/", body, chain, params["PrivateKey"], expires)
        if new_tags:
            tags.tag_resource(conn, account, TAG_KIND, row.certificate_id, new_tags)
    out: dict[str, Any] = {"ServerCertificateMetadata": _metadata(row)}
    if new_tags:
        out["Tags"] = tags_out(new_tags)
    return out


@operation("iam", "GetServerCertificate", authorization=on_certificate("GetServerCertificate"))
def get_server_certificate(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Metadata, body, chain and tags (an empty list when none, as AWS answers); never the key."""
    with transaction(store, read_only=True) as conn:
        row = server_certificates.get(conn, account_of(ctx), ctx.params["ServerCertificateName"])
        found = tags.all_tags(conn, TAG_KIND, row.certificate_id)
    out: dict[str, Any] = {"ServerCertificateMetadata": _metadata(row), "CertificateBody": row.body,
                           "Tags": tags_out(found)}
    if row.chain:
        out["CertificateChain"] = row.chain
    return {"ServerCertificate": out}


@operation("iam", "ListServerCertificates", authorization=derived_authorization("iam", "ListServerCertificates"))
def list_server_certificates(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        page = server_certificates.list_certificates(conn, account_of(ctx),
                                                     path_prefix=ctx.params.get("PathPrefix") or "/",
                                                     **page_args(ctx))
    return page_out(page, "ServerCertificateMetadataList", [_metadata(row) for row in page.items])


@operation("iam", "UpdateServerCertificate", authorization=on_certificate("UpdateServerCertificate"))
def update_server_certificate(ctx: RequestContext, store: Store) -> None:
    """Rename and/or move; the tags follow (they hang off the certificate's id)."""
    with transaction(store) as conn:
        server_certificates.update(conn, account_of(ctx), ctx.params["ServerCertificateName"],
                                   new_name=ctx.params.get("NewServerCertificateName"),
                                   new_path=ctx.params.get("NewPath"))


@operation("iam", "DeleteServerCertificate", authorization=on_certificate("DeleteServerCertificate"))
def delete_server_certificate(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        server_certificates.delete(conn, account_of(ctx), ctx.params["ServerCertificateName"])


@operation("iam", "TagServerCertificate", authorization=on_certificate("TagServerCertificate"))
def tag_server_certificate(ctx: RequestContext, store: Store) -> None:
    new_tags = request_tags(ctx)
    with transaction(store) as conn:
        row = server_certificates.get(conn, account_of(ctx), ctx.params["ServerCertificateName"])
        tags.tag_resource(conn, row.account_id, TAG_KIND, row.certificate_id, new_tags)


@operation("iam", "UntagServerCertificate", authorization=on_certificate("UntagServerCertificate"))
def untag_server_certificate(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        row = server_certificates.get(conn, account_of(ctx), ctx.params["ServerCertificateName"])
        tags.untag_resource(conn, TAG_KIND, row.certificate_id, ctx.params["TagKeys"])


@operation("iam", "ListServerCertificateTags", authorization=on_certificate("ListServerCertificateTags"))
def list_server_certificate_tags(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        row = server_certificates.get(conn, account_of(ctx), ctx.params["ServerCertificateName"])
        page = tags.list_tags(conn, TAG_KIND, row.certificate_id, **page_args(ctx))
    return page_out(page, "Tags", [{"Key": tag.key, "Value": tag.value} for tag in page.items])
