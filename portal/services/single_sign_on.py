"""Single sign-on's use case: which account an identity provider's user signs in as.

The protocol (authlib, the issuer allow-list, the ID token checks) is ``auth/oidc.py``; this
module decides, from verified claims, whether the user is an account already linked to the
provider, an account of the provider's organisation to link, or a new account to create, and
records the sign-in or the refusal.
"""

from __future__ import annotations

from auth.refusals import Refused, Signed
from domain.account import EMAIL, InvitationExpired, normalise_email
from domain.errors import DomainError
from domain.identity_provider import IdentityProviderOff
from projections.directory_queries import account_by_email, account_by_id
from projections.identity_providers import linked_account

MAX_SUBJECT = 255  # OpenID Connect Core 1.0, section 2: "sub" is at most 255 ASCII characters


# --- which account the provider's user is ------------------------------------------------------

def sign_in(svc, provider: dict, claims: dict) -> Signed:
    """The account the provider's user signs in as, with the sign-in recorded.

    1. An account already linked to this issuer and subject: that account.
    2. Otherwise the email claim must be in one of the provider's allowed domains (a provider
       can assert any address, so only the domains the organisation owns are believed). An
       account with that email in the provider's organisation is linked to the subject;
    3. with no account yet, one is created with no roles until an administrator grants them.
    """
    if provider["disabled"]:
        raise Refused("disabled")
    subject = claims["sub"]
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT:
        raise Refused("token", "subject")
    with svc.engine.connect() as c:
        linked = linked_account(c, provider["issuer"], subject)
        account = account_by_id(c, linked) if linked is not None else None
    if account is not None:
        _check_account(svc, provider, account)
        return Signed(account["id"], svc.portal.record_sign_in(account["id"], method="oidc"),
                      created=False)

    email = _email(claims)
    if email.rpartition("@")[2] not in provider["allowed_domains"]:
        raise Refused("domain")
    with svc.engine.connect() as c:
        account = account_by_email(c, email)
    if account is not None:
        _check_account(svc, provider, account)
        if any(issuer == provider["issuer"]
               for issuer, _ in svc.portal.get_account(account["id"]).identities):
            _refuse_for(svc, account, "linked_elsewhere",
                        "Single sign-on as another user of the same identity provider")
        try:
            position = svc.portal.sign_in_linking_identity(
                account["id"], provider_ref=provider["id"], subject=subject)
        except InvitationExpired:
            _refuse_for(svc, account, "invitation_expired",
                        "Single sign-on after the account's invitation expired")
        except DomainError as error:
            raise _refusal(error) from None
        return Signed(account["id"], position, created=False)
    try:
        new_id, position = svc.portal.sign_in_creating_account(
            provider_ref=provider["id"], subject=subject, email=email,
            display_name=_display_name(claims, email))
    except DomainError as error:
        raise _refusal(error) from None
    return Signed(new_id, position, created=True)


def _refusal(error: DomainError) -> Refused:
    """A command refused at the last moment: the provider was turned off, or the account
    changed (suspended, linked, created) between the checks above and the command, as when
    two first sign-ins race."""
    if isinstance(error, IdentityProviderOff):
        return Refused("disabled")
    return Refused("retry", type(error).__name__)


def _check_account(svc, provider: dict, account) -> None:
    if account["organisation_id"] != provider["organisation_id"]:
        _refuse_for(svc, account, "other_organisation",
                    "Single sign-on through another organisation's identity provider")
    if account["suspended"]:
        _refuse_for(svc, account, "suspended", "Account suspended")


def _refuse_for(svc, account, kind: str, reason: str):
    svc.portal.record_failed_sign_in(account["id"], reason=reason)
    raise Refused(kind)


def _email(claims: dict) -> str:
    raw = claims.get("email")
    if not isinstance(raw, str) or claims.get("email_verified") is False:
        raise Refused("no_email")
    email = normalise_email(raw)
    if len(email) > 320 or not EMAIL.match(email):
        raise Refused("no_email")
    return email


def _display_name(claims: dict, email: str) -> str:
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:200]
    return email.partition("@")[0]
