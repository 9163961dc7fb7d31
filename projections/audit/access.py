"""Which events change who has access: what the auditor's "changes of access" page lists.

Read from the audit index like the rest of the history (no projection of its own). Every kind of
event on an account is either a change of access or a use of one (a sign-in, a refused sign-in);
the tests hold each new kind of account event to being put in one list or the other.
"""

from __future__ import annotations

ACCESS_CHANGES: frozenset[tuple[str, str]] = frozenset({
    ("Account", "Created"),
    ("Account", "Invited"),
    ("Account", "Activated"),
    ("Account", "RoleGranted"),
    ("Account", "RoleRevoked"),
    ("Account", "Suspended"),
    ("Account", "Reinstated"),
    ("Account", "SecondFactorEnrolled"),
    ("Account", "SecondFactorReset"),
    ("Account", "RecoveryCodesRegenerated"),
    ("Account", "IdentityLinked"),
    ("Account", "PasswordReset"),
    # An organisation's identity provider decides who can sign in through it.
    ("IdentityProvider", "Registered"),
    ("IdentityProvider", "Changed"),
    ("IdentityProvider", "Disabled"),
    ("IdentityProvider", "Enabled"),
})

SIGN_INS: frozenset[tuple[str, str]] = frozenset({
    ("Account", "SignedIn"),
    ("Account", "SignInFailed"),
    ("Account", "RecoveryCodeUsed"),
})


def access_kinds(include_sign_ins: bool) -> frozenset[tuple[str, str]]:
    return ACCESS_CHANGES | SIGN_INS if include_sign_ins else ACCESS_CHANGES
