"""Facilitator accounts: creation, password check and API tokens."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from sessions.accounts.models import User
from sessions.core.errors import ValidationFailed
from sessions.core.store import write_transaction
from sessions.core.validation import hash_token, new_token

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
MIN_PASSWORD = 10
# A fixed hash to compare against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password-000")


def normalize_email(email: object) -> str:
    if not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
        raise ValidationFailed("email", "bad_email")
    return email.strip().lower()


def _check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationFailed("password", "too_short", min=MIN_PASSWORD)
    return password


def create_user(db: Session, email: object, password: object) -> User:
    addr = normalize_email(email)
    password = _check_password(password)
    with write_transaction(db):
        if db.scalar(select(User.id).where(User.email == addr)) is not None:
            raise ValidationFailed("email", "taken")
        user = User(email=addr, password_hash=generate_password_hash(password))
        db.add(user)
    return user


def set_password(db: Session, user: User, password: object) -> User:
    """Give the account a new password (the demo command prints a fresh one each run)."""
    password = _check_password(password)
    with write_transaction(db):
        db.get_one(User, user.id).password_hash = generate_password_hash(password)
    return user


def user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(db: Session, email: object, password: object) -> User | None:
    if not isinstance(email, str) or not isinstance(password, str):
        return None
    user = user_by_email(db, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def issue_api_token(db: Session, user: User) -> str:
    """A new API token for the user; the previous one stops working."""
    token, token_hash = new_token()
    with write_transaction(db):
        u = db.get_one(User, user.id)
        u.api_token_hash = token_hash
    return token


def user_by_api_token(db: Session, token: object) -> User | None:
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        return None
    return db.scalar(select(User).where(User.api_token_hash == hash_token(token)))
