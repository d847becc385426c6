"""Demo data: the 12 regions, a few hundred people across colleges, regions and languages, and one
account per role in the three languages. Idempotent: a second run adds nothing.

Every demo account's password is DEMO_PASSWORD; they exist only on a demo database.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.accounts.services import hash_password
from agora.db import Database
from agora.people.accounts_admin import create_user
from agora.people.defaults import ensure_defaults
from agora.people.models import COLLEGE_KEYS, Person, Region

DEMO_PASSWORD = "demo-agora-2026"

# email, name, language, region, roles, voting college, shares
DEMO_ACCOUNTS: list[tuple[str, str, str, str, list[str], str, int]] = [
    ("admin@demo.agora.coop", "Sophie Lambert", "fr", "brussels", ["admin"], "permanents", 1),
    ("admin2@demo.agora.coop", "Pieter Janssens", "nl", "antwerpen", ["admin"], "permanents", 1),
    ("moderator@demo.agora.coop", "Lotte Peeters", "nl", "gent", ["moderator"], "members", 3),
    ("relay.liege@demo.agora.coop", "Julien Renard", "fr", "liege", ["relay:liege"], "permanents", 1),
    ("relay.antwerpen@demo.agora.coop", "Els Wouters", "nl", "antwerpen", ["relay:antwerpen"], "members", 2),
    ("relay.eupen@demo.agora.coop", "Anna Schmitz", "de", "eupen", ["relay:eupen"], "members", 1),
    ("ethics@demo.agora.coop", "Marie Dubois", "fr", "namur", ["ethics_member"], "members", 2),
    ("ethics2@demo.agora.coop", "Jan Claes", "nl", "leuven", ["ethics_member"], "clients", 1),
    ("ethics3@demo.agora.coop", "Katrin Hilgers", "de", "eupen", ["ethics_member"], "permanents", 1),
    ("ethics4@demo.agora.coop", "Youssef El Amrani", "fr", "liege", ["ethics_member"], "partners", 1),
    ("board@demo.agora.coop", "Thomas Mertens", "nl", "brussels", ["board_member"], "members", 5),
    ("delegate@demo.agora.coop", "Claire Fontaine", "fr", "brussels", ["delegated_administrator", "board_member"],
     "permanents", 1),
    ("member.fr@demo.agora.coop", "Léa Martin", "fr", "charleroi", [], "members", 1),
    ("member.nl@demo.agora.coop", "Bram De Smet", "nl", "brugge", [], "members", 1),
    ("member.de@demo.agora.coop", "Lukas Keller", "de", "eupen", [], "members", 1),
    ("client@demo.agora.coop", "Atelier Lumière (Nadia Benali)", "fr", "mons", [], "clients", 0),
]

FIRST = {
    "fr": ["Camille", "Nicolas", "Chloé", "Antoine", "Manon", "Hugo", "Sarah", "Mathieu", "Inès", "Olivier"],
    "nl": ["Sofie", "Jeroen", "Lien", "Wout", "Fien", "Koen", "Hanne", "Pieter", "Ines", "Dries"],
    "de": ["Lena", "Jonas", "Miriam", "Felix", "Hannah", "Tobias", "Paula", "Simon", "Klara", "Jan"],
}
LAST = {
    "fr": ["Dupont", "Leroy", "Moreau", "Lefèvre", "Simon", "Laurent", "Michel", "Garnier", "Dubois", "Collignon"],
    "nl": ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Vos"],
    "de": ["Schmitz", "Kessler", "Lejeune", "Hilgers", "Cremer", "Heinen", "Mreyen", "Jost", "Thelen", "Kohnen"],
}

_EXTRA_LOADERS: list[Callable[[Session], None]] = []


def loader(function: Callable[[Session], None]) -> Callable[[Session], None]:
    """Feature packages register their own demo content (consultations, proposals, …)."""
    _EXTRA_LOADERS.append(function)
    return function


def _people(db: Session, rng: random.Random, count: int) -> None:
    regions = list(db.execute(select(Region)).scalars())
    password_hash = hash_password(DEMO_PASSWORD)
    for index in range(count):
        region = regions[index % len(regions)]
        language = region.default_language if rng.random() < 0.85 else rng.choice(["fr", "nl", "de"])
        college = rng.choices(COLLEGE_KEYS, weights=[60, 8, 22, 10])[0]
        extra = {college}
        if rng.random() < 0.2:
            extra.add(rng.choice(COLLEGE_KEYS))
        name = f"{rng.choice(FIRST[language])} {rng.choice(LAST[language])}"
        db.add(Person(
            external_id=f"D{index + 1:05d}", email=f"person{index + 1:04d}@demo.agora.coop", name=name,
            language=language, region_id=region.id, voting_college=college,
            categories="|".join(sorted(extra)),
            shares=0 if college == "clients" and rng.random() < 0.6 else rng.randint(1, 6),
            password_hash=password_hash,
        ))


def load(database: Database, people: int = 300) -> None:
    with database.transaction() as db:
        ensure_defaults(db)
        if db.execute(select(Person.id).where(Person.email == DEMO_ACCOUNTS[0][0])).first() is not None:
            return
        for email, name, language, region, roles, college, shares in DEMO_ACCOUNTS:
            create_user(db, email, name, roles, DEMO_PASSWORD, language=language, region=region,
                        voting_college=college, shares=shares, categories=college)
        _people(db, random.Random(2026), people)
        db.flush()
        for extra in _EXTRA_LOADERS:
            extra(db)


def print_accounts() -> None:
    print(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, language, region, roles, _college, _shares in DEMO_ACCOUNTS:
        role_text = ", ".join(roles) or "cooperator"
        print(f"  {email:34} {role_text:38} {language}  {region:10} {name}")
