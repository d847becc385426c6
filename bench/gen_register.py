"""Write a realistic member register CSV (../shared/API.md, "Member register CSV").

    .venv/bin/python bench/gen_register.py OUT.csv [--lines 72000] [--seed 1]

Three language communities, the 12 default regions, the cooperative's mix of colleges (mostly
entrepreneur-employees, a few hundred permanents, clients and partners), porous categories, shares,
and names with accents, apostrophes, commas and quotes (so the CSV quoting is exercised). The same
seed gives the same file.
"""

from __future__ import annotations

import argparse
import csv
import random
import unicodedata
from pathlib import Path

REGIONS = {  # slug: (weight, languages)
    "brussels": (18, ("fr", "nl")), "antwerpen": (12, ("nl",)), "gent": (10, ("nl",)), "leuven": (7, ("nl",)),
    "hasselt": (5, ("nl",)), "brugge": (5, ("nl",)), "liege": (11, ("fr",)), "namur": (7, ("fr",)),
    "charleroi": (8, ("fr",)), "mons": (6, ("fr",)), "arlon": (3, ("fr",)), "eupen": (3, ("de",)),
}
FIRST = {
    "fr": ["Camille", "Nicolas", "Chloé", "Antoine", "Manon", "Hugo", "Sarah", "Mathieu", "Inès", "Olivier",
           "Léa", "François", "Zoé", "Jérôme", "Amélie", "Noël", "Gaëlle", "Youssef", "Fatima", "Aïcha"],
    "nl": ["Sofie", "Jeroen", "Lien", "Wout", "Fien", "Koen", "Hanne", "Pieter", "Ines", "Dries",
           "Bram", "Els", "Lotte", "Jef", "Anneleen", "Stijn", "Eline", "Mehmet", "Ayşe", "Joëlle"],
    "de": ["Lena", "Jonas", "Miriam", "Felix", "Hannah", "Tobias", "Paula", "Simon", "Klara", "Jan",
           "Jürgen", "Björn", "Käthe", "Günther", "Sören", "Lukas", "Anna", "Marie", "Jörg", "Ute"],
}
LAST = {
    "fr": ["Dupont", "Leroy", "Moreau", "Lefèvre", "Simon", "Laurent", "Michel", "Garnier", "Dubois", "Collignon",
           "D'Hondt", "Lemaître", "Benali", "Nguyen", "Van der Straeten", "Hénin", "Renard", "Fontaine"],
    "nl": ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Vos",
           "Van den Broeck", "De Smet", "Vandenbergh", "Yılmaz", "Verhaegen", "Van Damme", "D'Haese"],
    "de": ["Schmitz", "Kessler", "Lejeune", "Hilgers", "Cremer", "Heinen", "Mreyen", "Jost", "Thelen", "Kohnen",
           "Müller", "Schröder", "Weiß", "Großmann", "Köhler"],
}
COLLEGES = [("members", 86), ("permanents", 1), ("clients", 10), ("partners", 3)]
HEADER = ["external_id", "email", "name", "language", "region", "voting_college", "categories", "shares"]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(ch if ch.isalnum() else "-" for ch in plain).strip("-").replace("--", "-")


def rows(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)  # noqa: S311 (test data, reproducible on purpose)
    slugs = list(REGIONS)
    region_weights = [REGIONS[s][0] for s in slugs]
    colleges = [c for c, _ in COLLEGES]
    college_weights = [w for _, w in COLLEGES]
    out = []
    for index in range(1, count + 1):
        region = rng.choices(slugs, region_weights)[0]
        language = rng.choice(REGIONS[region][1])
        if rng.random() < 0.03:  # people living across the language border
            language = rng.choice(["fr", "nl", "de"])
        first, last = rng.choice(FIRST[language]), rng.choice(LAST[language])
        name = f"{first} {last}"
        roll = rng.random()
        if roll < 0.01:
            name = f"{last}, {first}"  # a comma: the field gets quoted
        elif roll < 0.015:
            name = f'{first} "{first[:3]}" {last}'  # quotes inside a field
        college = rng.choices(colleges, college_weights)[0]
        categories = {college}
        if rng.random() < 0.15:  # porosity: an employee who is also a client, a client who is a partner…
            categories.add(rng.choice(colleges))
        shares = {"members": rng.randint(1, 20), "permanents": rng.randint(1, 5),
                  "clients": 0 if rng.random() < 0.6 else rng.randint(1, 3), "partners": rng.randint(0, 50)}[college]
        domain = rng.choice(["example.be", "example.org", "mail.example.com"])
        email = f"{ascii_slug(first)}.{ascii_slug(last)}.{index}@{domain}"
        out.append([f"M{index:06d}", email, name, language, region, college, "|".join(sorted(categories)), str(shares)])
    return out


def write(path: Path, count: int = 72_000, seed: int = 1) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=72_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write(args.out, args.lines, args.seed)
    print(f"{args.lines} lines written to {args.out}")


if __name__ == "__main__":
    main()
