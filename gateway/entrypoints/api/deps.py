"""FastAPI dependencies: the runtime, a unit of work, and who is calling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status

from gateway.bootstrap import Runtime
from gateway.entrypoints.api.auth import Principal, Role
from gateway.services.ports import UnitOfWork


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_uow(runtime: RuntimeDep) -> Iterator[UnitOfWork]:
    with runtime.context.uow() as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def current_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """The caller, from ``Authorization: Bearer <token>`` (or a session set by the admin UI)."""
    session_principal = getattr(request.state, "principal", None)
    if isinstance(session_principal, Principal):
        return session_principal
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("a bearer token is required")
    for authenticate in request.app.state.authenticators:
        principal = authenticate(token.strip(), runtime)
        if principal is not None:
            return principal
    raise _unauthorized("the token is not valid")


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(role: Role) -> Callable[..., Principal]:
    """A dependency that lets through users with ``role`` or higher (403 for others)."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.may(role):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN, detail=f"this needs the {role.name.lower()} role"
            )
        return principal

    return check


def require_partner(principal: PrincipalDep) -> Principal:
    """A trading partner's own token (403 for users)."""
    if principal.partner_id is None:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="this needs a partner token")
    return principal


def any_caller(principal: PrincipalDep) -> Any:
    return principal


ViewerDep = Annotated[Principal, Depends(require_role(Role.VIEWER))]
OperatorDep = Annotated[Principal, Depends(require_role(Role.OPERATOR))]
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
PartnerDep = Annotated[Principal, Depends(require_partner)]
