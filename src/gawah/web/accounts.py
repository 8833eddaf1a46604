"""Account management shared by ``gawah users`` and the admin page."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from gawah.errors import UserInputError
from gawah.web._backend import Backend
from gawah.web.auth import (
    PasswordRejectedError,
    Role,
    check_password_policy,
    hash_password,
    verify_password,
)
from gawah.web.totp import new_secret, provisioning_uri

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


def generate_password() -> str:
    """A random password (about 120 bits), shown once and never stored in clear."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(4))


def check_name(name: str) -> None:
    """Account names are short lowercase identifiers (they appear in ledger events)."""
    if not NAME_RE.fullmatch(name):
        raise UserInputError(
            "an account name is 2-32 characters: "
            "lowercase letters, digits, '.', '_', '-'"
        )


def add_user(
    backend: Backend, name: str, role: Role, password: str | None, by: str
) -> str:
    """Create (or reset) an account and grant its role; return the password used.

    The grant is a ledger event (auditable); the Argon2id hash stays in the
    server-local store. A generated password is returned so it can be shown once.
    """
    check_name(name)
    chosen = password if password is not None else generate_password()
    try:
        check_password_policy(name, chosen)
    except PasswordRejectedError as exc:
        raise UserInputError(str(exc)) from exc
    backend.grant(name, role, by=by)
    backend.store.add_user(name, hash_password(chosen), backend.clock())
    backend.store.kill_user_sessions(name)
    return chosen


def add_account(
    home: Path,
    name: str,
    role: Role,
    *,
    by: str,
    password: str | None = None,
    passphrase: str | None = None,
) -> str:
    """Create (or reset) an account of the web app over ``home``; return its password.

    :func:`add_user` for callers outside the web app (the demo), which have a
    workspace folder rather than a running server's backend.
    """
    backend = Backend(home=home, passphrase=passphrase)
    try:
        return add_user(backend, name, role, password, by=by)
    finally:
        backend.close()


def enrol_totp(backend: Backend, name: str) -> str:
    """Give an account a new second factor; return its otpauth URI (show it once)."""
    if backend.store.user(name) is None:
        raise UserInputError("no such account")
    secret = new_secret()
    backend.store.set_totp(name, secret)
    backend.store.kill_user_sessions(name)
    return provisioning_uri(secret, name)


def set_role(backend: Backend, name: str, role: Role, by: str) -> None:
    """Change an existing account's role (a new ledger event); its sessions end."""
    if backend.store.user(name) is None:
        raise UserInputError("no such account")
    backend.grant(name, role, by=by)
    backend.store.kill_user_sessions(name)


def disable_user(backend: Backend, name: str, by: str) -> None:
    """Disable an account: its sessions end at once and its role is revoked."""
    if backend.store.user(name) is None:
        raise UserInputError("no such account")
    backend.store.set_disabled(name, True)
    backend.grant(name, None, by=by)


def change_password(backend: Backend, name: str, current: str, new: str) -> None:
    """Change one's own password (needs the current one); every session ends."""
    account = backend.store.user(name)
    ok, _ = verify_password(account.password_hash if account else None, current)
    if not ok:
        raise UserInputError("the current password is wrong")
    try:
        check_password_policy(name, new)
    except PasswordRejectedError as exc:
        raise UserInputError(str(exc)) from exc
    backend.store.set_password_hash(name, hash_password(new))
    backend.store.kill_user_sessions(name)
