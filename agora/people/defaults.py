"""What every database starts with: the four colleges with default weights and the 12 regions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.people.models import COLLEGE_KEYS, DEFAULT_WEIGHTS, College, CollegeKey, Region

# DESIGN.md "Regions": slug, names, languages (the first is the region's default language).
REGIONS: list[tuple[str, dict[str, str], str]] = [
    ("brussels", {"fr": "Bruxelles", "nl": "Brussel", "de": "Brüssel"}, "fr,nl"),
    ("antwerpen", {"fr": "Anvers", "nl": "Antwerpen", "de": "Antwerpen"}, "nl"),
    ("gent", {"fr": "Gand", "nl": "Gent", "de": "Gent"}, "nl"),
    ("leuven", {"fr": "Louvain", "nl": "Leuven", "de": "Löwen"}, "nl"),
    ("hasselt", {"fr": "Hasselt", "nl": "Hasselt", "de": "Hasselt"}, "nl"),
    ("brugge", {"fr": "Bruges", "nl": "Brugge", "de": "Brügge"}, "nl"),
    ("liege", {"fr": "Liège", "nl": "Luik", "de": "Lüttich"}, "fr"),
    ("namur", {"fr": "Namur", "nl": "Namen", "de": "Namür"}, "fr"),
    ("charleroi", {"fr": "Charleroi", "nl": "Charleroi", "de": "Charleroi"}, "fr"),
    ("mons", {"fr": "Mons", "nl": "Bergen", "de": "Bergen"}, "fr"),
    ("arlon", {"fr": "Arlon", "nl": "Aarlen", "de": "Arel"}, "fr"),
    ("eupen", {"fr": "Eupen", "nl": "Eupen", "de": "Eupen"}, "de"),
]


def ensure_defaults(db: Session) -> None:
    """Idempotent: adds what is missing, never overwrites what the secretariat changed."""
    existing_colleges = set(db.execute(select(College.key)).scalars())
    for position, key in enumerate(COLLEGE_KEYS):
        if CollegeKey(key) not in existing_colleges:
            db.add(College(key=CollegeKey(key), weight=DEFAULT_WEIGHTS[key], position=position))
    if db.execute(select(Region.id).limit(1)).first() is None:
        for slug, names, languages in REGIONS:
            db.add(Region(slug=slug, names=names, languages=languages))
    db.flush()
