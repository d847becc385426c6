"""Permissions in one enum, checked two ways: `allowed()` to show a button, `ensure()` in a handler."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from agora.people.models import Person, Role


class Permission(enum.StrEnum):
    ADMIN_AREA = "admin:area:view"
    PEOPLE_VIEW = "admin:people:view"
    PEOPLE_EDIT = "admin:people:edit"
    ROLES_EDIT = "admin:roles:edit"
    REGIONS_EDIT = "admin:regions:edit"
    COLLEGES_EDIT = "admin:colleges:edit"
    AUDIT_VIEW = "admin:audit:view"
    CONSULTATIONS_MANAGE = "consultations:consultation:manage"
    PROPOSALS_CONFIGURE = "proposals:settings:edit"
    PROPOSALS_ADVANCE = "proposals:proposal:advance"  # put on an agenda, send to the board
    PROPOSALS_ANSWER = "proposals:proposal:answer"  # record the board's answer
    FORUMS_MANAGE = "forums:space:manage"
    MODERATION_ACT = "moderation:content:moderate"
    MODERATION_CONFIGURE = "moderation:settings:edit"
    ETHICS_APPOINT = "ethics:committee:appoint"  # members, chair, deadlines; never the referrals themselves


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MODERATOR: frozenset({Permission.MODERATION_ACT}),
    Role.RELAY: frozenset(),
    Role.ETHICS_MEMBER: frozenset(),
    Role.BOARD_MEMBER: frozenset({Permission.PROPOSALS_ANSWER}),
    Role.DELEGATED_ADMINISTRATOR: frozenset({Permission.PROPOSALS_ANSWER}),
}


@dataclass(frozen=True)
class Principal:
    """Who is acting: a person (or nobody) and the roles they hold, loaded once per request."""

    person: Person | None
    roles: frozenset[tuple[Role, str]] = field(default_factory=frozenset)

    @property
    def signed_in(self) -> bool:
        return self.person is not None

    @property
    def id(self) -> str | None:
        return self.person.id if self.person else None

    def has_role(self, role: Role, scope: str | None = None) -> bool:
        if scope is None:
            return any(r == role for r, _s in self.roles)
        return (role, scope) in self.roles

    def relay_regions(self) -> set[str]:
        return {scope for role, scope in self.roles if role == Role.RELAY}

    @property
    def permissions(self) -> frozenset[Permission]:
        granted: set[Permission] = set()
        for role, _scope in self.roles:
            granted |= ROLE_PERMISSIONS[role]
        return frozenset(granted)


ANONYMOUS = Principal(None)


class Forbidden(Exception):
    def __init__(self, permission: Permission) -> None:
        super().__init__(permission.value)
        self.permission = permission


def allowed(principal: Principal, permission: Permission) -> bool:
    return permission in principal.permissions


def ensure(principal: Principal, permission: Permission) -> None:
    if not allowed(principal, permission):
        raise Forbidden(permission)
