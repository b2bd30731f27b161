"""API tokens <-> documents on the chassis store port (never the token itself: only what
lists and revokes it). Document id `<account_id>:<token id>`."""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_pipeline.domain.tokens import ApiToken

API_TOKENS = "api_tokens"
MAX_TOKENS_LISTED = 1000
TOKEN_COLLECTION = Collection(
    API_TOKENS,
    (Index(("account_id", "user_id", "created_at")),),
    field_types={"account_id": "string", "user_id": "string", "created_at": "string"},
)


def token_to_doc(token: ApiToken) -> Document:
    return {
        "id": scoped_id(token.account_id, token.id),
        "token_id": token.id,
        "account_id": token.account_id,
        "user_id": token.user_id,
        "name": token.name,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
    }


def token_from_doc(doc: Document) -> ApiToken:
    revoked_at, last_used_at = doc["revoked_at"], doc.get("last_used_at")
    return ApiToken(
        id=doc["token_id"],
        account_id=doc["account_id"],
        user_id=doc["user_id"],
        name=doc["name"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        expires_at=datetime.fromisoformat(doc["expires_at"]),
        revoked_at=datetime.fromisoformat(revoked_at) if revoked_at else None,
        last_used_at=datetime.fromisoformat(last_used_at) if last_used_at else None,
        version=doc["version"],
    )


class TokenRepository:
    def __init__(self, session: Session):
        self._session = session

    async def save(self, token: ApiToken) -> None:
        await self._session.save(API_TOKENS, token, token_to_doc(token))

    async def get(self, account_id: str, token_id: str) -> ApiToken | None:
        doc = await self._session.get(API_TOKENS, scoped_id(account_id, token_id))
        return token_from_doc(doc) if doc else None

    async def of_user(self, account_id: str, user_id: str) -> list[ApiToken]:
        """Newest first."""
        query = Query(
            (Eq("account_id", account_id), Eq("user_id", user_id)),
            (SortKey("created_at", descending=True),),
            limit=MAX_TOKENS_LISTED,
        )
        page = await self._session.find(API_TOKENS, query)
        return [token_from_doc(doc) for doc in page.items]
