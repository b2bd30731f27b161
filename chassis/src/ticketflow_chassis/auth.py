"""Bearer-token auth: who the caller is (Principal), the HS256 JWT that says so, and the checks.

Tenancy: every read and write is scoped to `principal.account_id`. Another account's data
must look non-existent, so `require_account` answers OBJECT_NOT_FOUND, never MISSING_SCOPES.

    Caller = Annotated[Principal, Depends(bearer_principal(runtime.tokens))]

    @router.get("/crm/v3/objects/tickets/{ticket_id}")
    async def get_ticket(ticket_id: str, caller: Caller) -> dict[str, Any]:
        ticket = await load(caller.account_id, ticket_id)  # scoped by the token's account
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ticketflow_chassis.settings import MIN_SECRET_BYTES
from ticketflow_contracts.errors import ErrorCategory, TicketflowError

ALGORITHM = "HS256"
DEFAULT_TTL = timedelta(days=30)
# Tokens come from other services whose clocks may run slightly ahead of ours.
CLOCK_SKEW = timedelta(seconds=60)
REQUIRED_CLAIMS = ("sub", "acc", "roles", "teams", "iss", "iat", "exp")


class Role(StrEnum):
    SUPER_ADMIN = "super_admin"
    PROPERTY_SETTINGS_EDITOR = "property_settings_editor"
    # A platform operator may open accounts and belongs to none (its `acc` claim is empty).
    OPERATOR = "operator"


@dataclass(frozen=True)
class Principal:
    """`token_id`: an API token's id (its `jti`), by which it can be revoked; None for the
    tokens a sign-in or the CLI mints for a session."""

    account_id: str
    user_id: str
    roles: frozenset[Role]
    teams: frozenset[str]
    token_id: str | None = None

    @property
    def is_super_admin(self) -> bool:
        return Role.SUPER_ADMIN in self.roles

    def has_role(self, role: Role) -> bool:
        return role in self.roles


class AuthenticationError(TicketflowError):
    """The caller could not be identified: no token, or a token we cannot trust."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCategory.INVALID_AUTHENTICATION)


class PermissionDeniedError(TicketflowError):
    """The caller is known but lacks the role the action needs."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCategory.MISSING_SCOPES)


class ObjectNotFoundError(TicketflowError):
    """The object does not exist for this caller (it may exist in another account)."""

    def __init__(self, message: str = "The requested object does not exist.") -> None:
        super().__init__(message, ErrorCategory.OBJECT_NOT_FOUND)


class Revoked(Protocol):
    def refusal(self, principal: Principal, now: datetime) -> str | None:
        """Why the principal's token is no longer good (revoked, its user deactivated)."""


class Uses(Protocol):
    def note(self, principal: Principal, now: datetime) -> None:
        """An accepted token, for its "last used" (token_uses.TokenUses)."""


class TokenCodec:
    """Issues and checks the bearer tokens every service shares (one secret, one issuer);
    with `revoked` (revocations.Revocations), a revoked API token and a deactivated user's
    tokens are refused too.

    token = codec.issue(principal, now=utc_now())
    assert codec.decode(token) == principal
    """

    def __init__(
        self,
        secret: str,
        issuer: str,
        default_ttl: timedelta = DEFAULT_TTL,
        revoked: Revoked | None = None,
        uses: Uses | None = None,
    ) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes long")
        if not issuer:
            raise ValueError("the JWT issuer must not be empty")
        if default_ttl <= timedelta(0):
            raise ValueError("the token lifetime must be positive")
        self._secret = secret
        self._issuer = issuer
        self._default_ttl = default_ttl
        self._revoked = revoked
        self._uses = uses

    def issue(self, principal: Principal, *, now: datetime, ttl: timedelta | None = None) -> str:
        lifetime = self._default_ttl if ttl is None else ttl
        if lifetime <= timedelta(0):
            raise ValueError("the token lifetime must be positive")
        claims = {
            "sub": principal.user_id,
            "acc": principal.account_id,
            "roles": sorted(role.value for role in principal.roles),
            "teams": sorted(principal.teams),
            "iss": self._issuer,
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        if principal.token_id is not None:
            claims["jti"] = principal.token_id
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str, *, now: datetime | None = None) -> Principal:
        """The token's principal; AuthenticationError when it cannot be trusted.

        `now` (timezone-aware) defaults to the current time; tests pass a fixed one."""
        claims = self._verified_claims(token)
        moment = datetime.now(UTC) if now is None else now
        _check_times(claims, moment)
        principal = _principal_from(claims)
        refusal = self._revoked.refusal(principal, moment) if self._revoked else None
        if refusal is not None:
            raise AuthenticationError(refusal)
        if self._uses is not None:
            self._uses.note(principal, moment)
        return principal

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                # Times are checked against the caller's `now` below, not PyJWT's clock.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise AuthenticationError("The token's signature is invalid.") from None
        except jwt.InvalidAlgorithmError:
            raise AuthenticationError(f"The token is not signed with {ALGORITHM}.") from None
        except jwt.InvalidIssuerError:
            raise AuthenticationError(f"The token was not issued by {self._issuer!r}.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationError(f"The token has no {exc.claim!r} claim.") from None
        except jwt.DecodeError:
            raise AuthenticationError("The bearer token is not a well-formed JWT.") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(f"The token is invalid: {exc}.") from None


def _timestamp_claim(claims: dict[str, Any], name: str) -> datetime:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationError(f"The token's {name!r} claim must be a number of seconds.")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise AuthenticationError(f"The token's {name!r} claim is out of range.") from None


def _check_times(claims: dict[str, Any], now: datetime) -> None:
    expires_at = _timestamp_claim(claims, "exp")
    issued_at = _timestamp_claim(claims, "iat")
    if expires_at <= now:
        stamp = expires_at.isoformat().replace("+00:00", "Z")
        raise AuthenticationError(f"The token expired at {stamp}; sign in again.")
    if issued_at > now + CLOCK_SKEW:
        raise AuthenticationError("The token's issue time lies in the future.")


def _string_list(claims: dict[str, Any], name: str) -> list[str]:
    value = claims[name]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AuthenticationError(f"The token's {name!r} claim must be a list of strings.")
    return value


def _principal_from(claims: dict[str, Any]) -> Principal:
    user_id, account_id = claims["sub"], claims["acc"]
    if not isinstance(user_id, str) or not user_id:
        raise AuthenticationError("The token's 'sub' claim must be a non-empty user id.")
    if not isinstance(account_id, str):
        raise AuthenticationError("The token's 'acc' claim must be an account id.")
    roles: set[Role] = set()
    for name in _string_list(claims, "roles"):
        try:
            roles.add(Role(name))
        except ValueError:
            raise AuthenticationError(f"The token names an unknown role {name!r}.") from None
    if not account_id and Role.OPERATOR not in roles:
        raise AuthenticationError("The token's 'acc' claim is empty, but only operators have none.")
    token_id = claims.get("jti")
    if token_id is not None and (not isinstance(token_id, str) or not token_id):
        raise AuthenticationError("The token's 'jti' claim must be a non-empty token id.")
    return Principal(
        account_id=account_id,
        user_id=user_id,
        roles=frozenset(roles),
        teams=frozenset(_string_list(claims, "teams")),
        token_id=token_id,
    )


# auto_error=False: we raise our own AuthenticationError (HubSpot-shaped body, clear message);
# the scheme object is still what puts "bearer" into the OpenAPI document.
_BEARER = HTTPBearer(
    auto_error=False, bearerFormat="JWT", description="A ticketflow token (HS256 JWT)."
)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]


def bearer_principal(codec: TokenCodec) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A FastAPI dependency: the caller's Principal from `Authorization: Bearer <token>`."""

    async def principal(request: Request, credentials: BearerCredentials) -> Principal:
        if credentials is None:
            header = request.headers.get("Authorization", "").strip()
            if not header:
                raise AuthenticationError(
                    "Authentication is required: send 'Authorization: Bearer <token>'."
                )
            raise AuthenticationError("The Authorization header must use the Bearer scheme.")
        return codec.decode(credentials.credentials)

    return principal


def require_role(principal: Principal, *roles: Role) -> None:
    """Passes when the principal holds at least one of `roles`; no role implies another."""
    if not roles:
        raise ValueError("require_role needs at least one role")
    if not any(principal.has_role(role) for role in roles):
        raise PermissionDeniedError(f"This action needs one of these roles: {_role_list(roles)}.")


def require_account(principal: Principal, account_id: str) -> None:
    """Another account's object answers exactly like a missing one."""
    if not principal.account_id or principal.account_id != account_id:
        raise ObjectNotFoundError()


def _role_list(roles: Iterable[Role]) -> str:
    return ", ".join(sorted(role.value for role in roles))
