"""``gawah serve`` and ``gawah users``: thin wrappers over :mod:`gawah.web`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.errors import UserInputError
from gawah.options import PassFileOption, read_passphrase

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home", help="Workspace folder (default $GAWAH_HOME or ./gawah-data)."
    ),
]
_out = terminal_console()


def serve_app(
    home: Path,
    host: str,
    port: int,
    https_proxy: bool = False,
    passphrase: str | None = None,
    admin_mfa: bool = True,
) -> None:
    """Run the app with uvicorn until interrupted (no access log: S22).

    With ``https_proxy`` the scheme is taken from the X-Forwarded-Proto of a
    reverse proxy on this machine (127.0.0.1), so cookies become ``__Host-``
    and Secure and HSTS is sent. ``admin_mfa=False`` lets admins log in
    without a second factor (the FICTIONAL demo; a one-person laptop).
    """
    import uvicorn

    from gawah.web import create_app

    app = create_app(home, passphrase=passphrase, admin_mfa=admin_mfa, warm=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        proxy_headers=https_proxy,
        forwarded_allow_ips="127.0.0.1" if https_proxy else None,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``users`` group to the gawah command."""
    users = typer.Typer(
        help="Accounts of the web app (local to this server).", no_args_is_help=True
    )

    @app.command("serve")
    def serve(
        home: HomeOpt = None,
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
        https_proxy: Annotated[
            bool,
            typer.Option(
                "--behind-https-proxy",
                help="Trust X-Forwarded-Proto from a TLS proxy on 127.0.0.1.",
            ),
        ] = False,
        passphrase_file: PassFileOption = None,
        admin_without_mfa: Annotated[
            bool,
            typer.Option(
                "--admin-without-mfa",
                help="Let admin accounts log in without a second factor "
                "(by default they need one: `gawah users totp NAME`).",
            ),
        ] = False,
    ) -> None:
        """Serve the web app: dashboard, register, entry, review, estimates.

        The workspace must pass the quick check first (ledger not shorter than
        its last checkpoint, projection tables unchanged since the last write).
        Admin accounts log in with a one-time code as well as their password.
        """
        where = resolve_home(home)
        from gawah.web._backend import Backend

        passphrase = read_passphrase(passphrase_file, where)
        backend = Backend(home=where, passphrase=passphrase)
        try:
            # Opening runs the quick check: a tampered workspace is not served.
            backend.workspace()
        finally:
            backend.close()
        _out.print(f"gawah web app: [bold]http://{host}:{port}/[/]  (Ctrl-C to stop)")
        if admin_without_mfa:
            _out.print("[yellow]warning:[/] admins may log in without a second factor")
        serve_app(
            where,
            host,
            port,
            https_proxy,
            passphrase=passphrase,
            admin_mfa=not admin_without_mfa,
        )

    @users.command("add")
    def users_add(
        name: Annotated[str, typer.Argument(help="Account name (lowercase).")],
        role: Annotated[
            str, typer.Option(help="admin, documenter, reviewer or viewer.")
        ],
        home: HomeOpt = None,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from stdin.")
        ] = False,
        totp: Annotated[
            bool | None,
            typer.Option(
                "--totp/--no-totp",
                help="Enrol a one-time-code second factor (default: for admins, "
                "who cannot log in without one unless the server relaxes it).",
            ),
        ] = None,
        passphrase_file: PassFileOption = None,
    ) -> None:
        """Create an account (or reset its password); prints a generated one once."""
        from gawah.web._backend import Backend
        from gawah.web.accounts import add_user, enrol_totp
        from gawah.web.auth import Role

        try:
            chosen_role = Role(role)
        except ValueError as exc:
            raise UserInputError(
                "role must be admin, documenter, reviewer or viewer"
            ) from exc
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        backend = Backend(
            home=resolve_home(home),
            passphrase=read_passphrase(passphrase_file, resolve_home(home)),
        )
        try:
            author = _workspace_author(backend)
            used = add_user(backend, name, chosen_role, password, by=author)
            second = totp if totp is not None else chosen_role is Role.ADMIN
            uri = enrol_totp(backend, name) if second else None
        finally:
            backend.close()
        _out.print(f"account [bold]{name}[/] ({chosen_role.value}) ready")
        if password is None:
            _out.print(f"password (shown once, store it now): [bold]{used}[/]")
        if uri is not None:
            _out.print(f"authenticator app (shown once): {uri}")

    @users.command("totp")
    def users_totp(
        name: Annotated[str, typer.Argument(help="Account name.")],
        home: HomeOpt = None,
    ) -> None:
        """Enrol (or replace) an account's one-time-code second factor."""
        from gawah.web._backend import Backend
        from gawah.web.accounts import enrol_totp

        backend = Backend(home=resolve_home(home))
        try:
            uri = enrol_totp(backend, name)
        finally:
            backend.close()
        _out.print(f"authenticator app for [bold]{name}[/] (shown once): {uri}")

    @users.command("list")
    def users_list(home: HomeOpt = None) -> None:
        """List accounts and their roles."""
        from gawah.web._backend import Backend

        backend = Backend(home=resolve_home(home))
        try:
            for u in backend.store.users():
                role = backend.role(u.name)
                state = "disabled" if u.disabled else "active"
                _out.print(f"{u.name}\t{role.value if role else 'none'}\t{state}")
        finally:
            backend.close()

    app.add_typer(users, name="users")


def _workspace_author(backend: object) -> str:
    """The workspace author: the CLI records role grants in its name."""
    from gawah.web._backend import Backend

    assert isinstance(backend, Backend)
    ws = backend.workspace()
    author = getattr(ws, "author", None)
    return str(author) if author else "cli"
