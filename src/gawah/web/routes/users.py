"""Account administration (admin only): add, change role, disable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from gawah.errors import UserInputError
from gawah.web._backend import Backend
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.accounts import add_user, disable_user, set_role
from gawah.web.auth import MAX_PASSWORD, Right, Role
from gawah.web.projection import grants

router = APIRouter()
Admin = Annotated[Principal, Depends(require(Right.ADMIN))]


class UserOut(BaseModel):
    """An account as the admin sees it (never the hash)."""

    name: str
    role: str | None
    disabled: bool


class NewUser(BaseModel):
    """An account to create; leave ``password`` out to have one generated."""

    name: str = Field(
        min_length=2, max_length=32, pattern=r"^[a-z0-9][a-z0-9._-]{1,31}$"
    )
    role: Role
    password: str | None = Field(default=None, min_length=1, max_length=MAX_PASSWORD)


class CreatedUser(BaseModel):
    """The new account; a generated password is returned once."""

    name: str
    role: str
    generated_password: str | None


class RoleChange(BaseModel):
    """A new role for an account."""

    role: Role


def _users(backend: Backend) -> list[UserOut]:
    return [
        UserOut(
            name=u.name,
            role=(r.value if (r := backend.role(u.name)) else None),
            disabled=u.disabled,
        )
        for u in backend.store.users()
    ]


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
async def users_page(request: Request, me: Admin) -> Response:
    backend: Backend = request.app.state.backend
    history = grants(backend.workspace().conn, backend.store.server_id)
    return render(
        request,
        "users.html",
        users=_users(backend),
        history=history,
        roles=list(Role),
        created=None,
        error=None,
    )


@router.post("/users", response_class=HTMLResponse, include_in_schema=False)
async def users_add_form(
    request: Request,
    me: Admin,
    name: Annotated[str, Form(max_length=32)],
    role: Annotated[Role, Form()],
) -> Response:
    backend: Backend = request.app.state.backend
    assert me.user is not None
    created, error = None, None
    try:
        created = (name, add_user(backend, name, role, None, by=me.user))
    except UserInputError as exc:
        error = str(exc)
    history = grants(backend.workspace().conn, backend.store.server_id)
    return render(
        request,
        "users.html",
        users=_users(backend),
        history=history,
        roles=list(Role),
        created=created,
        error=error,
    )


@router.post("/users/{name}", include_in_schema=False)
async def users_change_form(
    request: Request,
    me: Admin,
    name: Annotated[str, Path(max_length=32)],
    action: Annotated[str, Form(pattern="^(role|disable)$")],
    role: Annotated[Role | None, Form()] = None,
) -> Response:
    backend: Backend = request.app.state.backend
    assert me.user is not None
    if action == "disable":
        disable_user(backend, name, by=me.user)
    elif role is not None:
        set_role(backend, name, role, by=me.user)
    return RedirectResponse("/users", status_code=303)


@router.get("/api/users", tags=["users"])
async def list_users(request: Request, me: Admin) -> list[UserOut]:
    """Every account with its role."""
    return _users(request.app.state.backend)


@router.post("/api/users", tags=["users"], status_code=201)
async def create_user(request: Request, body: NewUser, me: Admin) -> CreatedUser:
    """Create an account; its role grant is recorded in the ledger."""
    assert me.user is not None
    password = add_user(
        request.app.state.backend, body.name, body.role, body.password, by=me.user
    )
    return CreatedUser(
        name=body.name,
        role=body.role.value,
        generated_password=None if body.password else password,
    )


@router.put("/api/users/{name}/role", tags=["users"], status_code=204)
async def change_role(
    request: Request, name: str, body: RoleChange, me: Admin
) -> Response:
    """Give an account another role; its sessions end."""
    assert me.user is not None
    set_role(request.app.state.backend, name, body.role, by=me.user)
    return Response(status_code=204)


@router.post("/api/users/{name}/disable", tags=["users"], status_code=204)
async def disable(request: Request, name: str, me: Admin) -> Response:
    """Disable an account: every session of it ends at once."""
    assert me.user is not None
    disable_user(request.app.state.backend, name, by=me.user)
    return Response(status_code=204)
