"""Bearer tokens name the caller's account, user, roles and teams; untrustworthy ones are 401s."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI

from ticketflow_chassis.auth import (
    AuthenticationError,
    ObjectNotFoundError,
    PermissionDeniedError,
    Principal,
    Role,
    TokenCodec,
    bearer_principal,
    require_account,
    require_role,
)
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_contracts.errors import ErrorCategory

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"
OTHER_SECRET = "a-different-secret-that-is-also-long-enough-x"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CODEC = TokenCodec(SECRET, "ticketflow")

ADA = Principal(
    account_id="acme",
    user_id="u-ada",
    roles=frozenset({Role.SUPER_ADMIN, Role.PROPERTY_SETTINGS_EDITOR}),
    teams=frozenset({"support", "billing"}),
)
OPERATOR = Principal(
    account_id="", user_id="ops", roles=frozenset({Role.OPERATOR}), teams=frozenset()
)


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "u-ada",
        "acc": "acme",
        "roles": ["super_admin"],
        "teams": [],
        "iss": "ticketflow",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def signed(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def refusal(token: str, now: datetime = NOW) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        CODEC.decode(token, now=now)
    assert caught.value.category is ErrorCategory.INVALID_AUTHENTICATION
    return caught.value


# --- TokenCodec --------------------------------------------------------------------------------


def test_a_token_decodes_to_the_principal_it_was_issued_for() -> None:
    token = CODEC.issue(ADA, now=NOW)

    assert CODEC.decode(token, now=NOW + timedelta(days=1)) == ADA


def test_a_token_carries_user_account_roles_teams_issuer_and_lifetime_claims() -> None:
    token = CODEC.issue(ADA, now=NOW, ttl=timedelta(hours=2))

    payload = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert payload == {
        "sub": "u-ada",
        "acc": "acme",
        "roles": ["property_settings_editor", "super_admin"],
        "teams": ["billing", "support"],
        "iss": "ticketflow",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=2)).timestamp()),
    }


def test_an_operator_token_needs_no_account() -> None:
    assert CODEC.decode(CODEC.issue(OPERATOR, now=NOW), now=NOW) == OPERATOR


def test_a_token_is_accepted_until_the_second_it_expires() -> None:
    token = CODEC.issue(ADA, now=NOW, ttl=timedelta(minutes=5))

    assert CODEC.decode(token, now=NOW + timedelta(minutes=5, seconds=-1)) == ADA


def test_an_expired_token_is_refused_saying_when_it_expired() -> None:
    token = CODEC.issue(ADA, now=NOW, ttl=timedelta(minutes=5))

    error = refusal(token, now=NOW + timedelta(minutes=5))

    assert error.message == "The token expired at 2026-11-25T12:05:00Z; sign in again."


def test_the_default_lifetime_is_thirty_days() -> None:
    token = CODEC.issue(ADA, now=NOW)

    assert CODEC.decode(token, now=NOW + timedelta(days=30, seconds=-1)) == ADA
    assert "expired" in refusal(token, now=NOW + timedelta(days=30)).message


def test_a_token_whose_payload_was_tampered_with_is_refused() -> None:
    header, _, signature = CODEC.issue(ADA, now=NOW).split(".")
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims(acc="globex")).encode())
    forged = f"{header}.{forged_payload.decode().rstrip('=')}.{signature}"

    assert refusal(forged).message == "The token's signature is invalid."


def test_a_token_signed_with_another_secret_is_refused() -> None:
    assert refusal(signed(claims(), OTHER_SECRET)).message == "The token's signature is invalid."


def test_a_token_from_another_issuer_is_refused() -> None:
    token = TokenCodec(SECRET, "someone-else").issue(ADA, now=NOW)

    assert refusal(token).message == "The token was not issued by 'ticketflow'."


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode(claims(), key=None, algorithm="none")

    assert refusal(unsigned).message == "The token is not signed with HS256."


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "", "Ünïcode.☃.x"])
def test_garbage_is_refused_as_not_a_jwt(garbage: str) -> None:
    assert refusal(garbage).message == "The bearer token is not a well-formed JWT."


@pytest.mark.parametrize("missing", ["sub", "acc", "roles", "teams", "iss", "iat", "exp"])
def test_a_token_without_a_required_claim_is_refused_naming_it(missing: str) -> None:
    payload = claims()
    del payload[missing]

    assert refusal(signed(payload)).message == f"The token has no {missing!r} claim."


def test_a_token_naming_an_unknown_role_is_refused() -> None:
    error = refusal(signed(claims(roles=["super_admin", "janitor"])))

    assert error.message == "The token names an unknown role 'janitor'."


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"roles": "super_admin"}, "The token's 'roles' claim must be a list of strings."),
        ({"teams": [1, 2]}, "The token's 'teams' claim must be a list of strings."),
        ({"sub": ""}, "The token's 'sub' claim must be a non-empty user id."),
        ({"acc": 42}, "The token's 'acc' claim must be an account id."),
        ({"exp": "tomorrow"}, "The token's 'exp' claim must be a number of seconds."),
        ({"acc": ""}, "The token's 'acc' claim is empty, but only operators have none."),
    ],
)
def test_a_token_with_a_malformed_claim_is_refused_naming_it(
    overrides: dict[str, Any], message: str
) -> None:
    assert refusal(signed(claims(**overrides))).message == message


def test_a_token_issued_in_the_future_is_refused() -> None:
    token = CODEC.issue(ADA, now=NOW + timedelta(minutes=10))

    assert refusal(token).message == "The token's issue time lies in the future."


def test_a_secret_too_short_for_hs256_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        TokenCodec("short", "ticketflow")


# --- require_role / require_account ----------------------------------------------------------


def test_a_principal_holding_one_of_the_roles_passes() -> None:
    require_role(ADA, Role.OPERATOR, Role.PROPERTY_SETTINGS_EDITOR)


def test_a_principal_without_the_role_is_refused_with_missing_scopes() -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        require_role(ADA, Role.OPERATOR)

    assert caught.value.category is ErrorCategory.MISSING_SCOPES
    assert caught.value.message == "This action needs one of these roles: operator."


def test_super_admin_is_reported_and_does_not_imply_other_roles() -> None:
    editor_only = Principal(
        "acme", "u-bob", frozenset({Role.PROPERTY_SETTINGS_EDITOR}), frozenset()
    )

    assert ADA.is_super_admin
    assert not editor_only.is_super_admin
    assert editor_only.has_role(Role.PROPERTY_SETTINGS_EDITOR)
    with pytest.raises(PermissionDeniedError):
        require_role(ADA, Role.OPERATOR)


def test_the_principals_own_account_passes() -> None:
    require_account(ADA, "acme")


@pytest.mark.parametrize("principal", [ADA, OPERATOR])
def test_another_accounts_data_looks_like_it_does_not_exist(principal: Principal) -> None:
    with pytest.raises(ObjectNotFoundError) as caught:
        require_account(principal, "globex")

    assert caught.value.category is ErrorCategory.OBJECT_NOT_FOUND


# --- bearer_principal over HTTP -------------------------------------------------------------

Caller = Annotated[Principal, Depends(bearer_principal(CODEC))]


def whoami_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/whoami")
    async def whoami(caller: Caller) -> dict[str, Any]:
        return {"account": caller.account_id, "user": caller.user_id, "roles": sorted(caller.roles)}

    return app


async def get_whoami(headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=whoami_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/whoami", headers=headers)


async def test_a_valid_bearer_token_identifies_the_caller() -> None:
    token = CODEC.issue(ADA, now=datetime.now(UTC))

    response = await get_whoami({"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {
        "account": "acme",
        "user": "u-ada",
        "roles": ["property_settings_editor", "super_admin"],
    }


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authentication is required: send 'Authorization: Bearer <token>'."),
        (
            {"Authorization": "Basic dXNlcjpwYXNz"},
            "The Authorization header must use the Bearer scheme.",
        ),
        ({"Authorization": "Bearer"}, "The Authorization header must use the Bearer scheme."),
        ({"Authorization": "Bearer not-a-jwt"}, "The bearer token is not a well-formed JWT."),
    ],
)
async def test_a_request_without_a_usable_bearer_token_is_a_401_in_our_error_shape(
    headers: dict[str, str], message: str
) -> None:
    response = await get_whoami(headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"] == message


async def test_an_expired_bearer_token_is_a_401() -> None:
    token = CODEC.issue(ADA, now=datetime.now(UTC) - timedelta(days=31))

    response = await get_whoami({"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_the_openapi_document_declares_the_bearer_scheme() -> None:
    document = whoami_app().openapi()

    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A ticketflow token (HS256 JWT).",
        }
    }
    assert document["paths"]["/whoami"]["get"]["security"] == [{"HTTPBearer": []}]
