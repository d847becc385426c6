"""How long `agora import-members` takes on a 72,000-line register (API.md: well under a minute).

    .venv/bin/python bench/import_72k.py                       # SQLite, in a temporary directory
    .venv/bin/python bench/import_72k.py --wipe-postgres postgresql://postgres@127.0.0.1:5432/agora_bench

Generates the register with bench/gen_register.py, runs `agora db upgrade`, then times the real
command as a subprocess: the first import (72,000 people created), the re-import of the same file
(nothing changes), an import of a changed register (5 % of lines edited, 1 % gone, 500 new), and
one where every line changes (every person updated: the worst case).
--wipe-postgres DROPS EVERY TABLE of the database it is given before starting.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_register

ROOT = Path(__file__).resolve().parent.parent
AGORA = str(ROOT / ".venv" / "bin" / "agora")


def changed_register(source: Path, target: Path, extra: int) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    out = [header]
    for index, row in enumerate(body):
        if index % 100 == 99:
            continue  # left the cooperative: deactivated
        if index % 20 == 0:
            row = [*row[:7], str(int(row[7]) + 1)]  # bought a share
        out.append(row)
    for index, row in enumerate(gen_register.rows(extra, seed=99)):
        out.append([f"N{index:06d}", f"new.{index}@example.net", *row[2:]])
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(out)


def every_line_changed(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(rows[0])
        writer.writerows([*row[:2], row[2] + " Jr", *row[3:]] for row in rows[1:])


def run(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([AGORA, *args], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"agora {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed, result.stdout.strip()


def measure(lines: int = 72_000, say: Any = print) -> dict[str, Any]:
    """For bench/run.py: the first import of `lines` people and the re-import of the same file, on
    SQLite in a temporary directory; checks that every line became an active person."""
    import sqlite3

    with tempfile.TemporaryDirectory(prefix="agora-bench-import-") as tmp:
        directory = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGORA_")}
        env.update({"AGORA_VAR_DIR": str(directory), "AGORA_SECRET_KEY": "bench-" + "x" * 40,
                    "AGORA_DATABASE_URL": f"sqlite:///{directory / 'agora.db'}"})
        register = directory / "register.csv"
        gen_register.write(register, lines)
        run(env, "db", "upgrade")
        first, summary = run(env, "import-members", str(register), "--no-progress")
        again, summary_again = run(env, "import-members", str(register), "--no-progress")
        say(f"  {lines} lines: first import {first:.1f} s ({summary}); re-import {again:.1f} s ({summary_again})")
        conn = sqlite3.connect(directory / "agora.db")
        try:
            people = conn.execute("SELECT count(*) FROM people WHERE active = 1").fetchone()[0]
        finally:
            conn.close()
        problems = [] if people >= lines else [f"{people} active people after importing {lines} lines"]
        return {"lines": lines, "first_s": first, "again_s": again, "people": people, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wipe-postgres", metavar="URL", help="run on this PostgreSQL database, emptied first")
    parser.add_argument("--lines", type=int, default=72_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agora-bench-") as tmp:
        directory = Path(tmp)
        env = {**os.environ, "AGORA_VAR_DIR": str(directory), "AGORA_SECRET_KEY": "bench-" + "x" * 40}
        if args.wipe_postgres:
            from sqlalchemy import create_engine, text

            url = "postgresql+psycopg:" + args.wipe_postgres.split(":", 1)[1]
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            env["AGORA_DATABASE_URL"] = args.wipe_postgres
        else:
            env["AGORA_DATABASE_URL"] = f"sqlite:///{directory / 'agora.db'}"
        register = directory / "register.csv"
        changed = directory / "register-changed.csv"
        gen_register.write(register, args.lines)
        everything = directory / "register-all-changed.csv"
        changed_register(register, changed, 500)
        every_line_changed(register, everything)
        run(env, "db", "upgrade")
        backend = "PostgreSQL" if args.wipe_postgres else "SQLite"
        print(f"{backend}, {args.lines} lines ({register.stat().st_size / 1e6:.1f} MB)")
        for label, path in (("first import", register), ("re-import", register), ("changed register", changed),
                            ("every line changed", everything)):
            seconds, summary = run(env, "import-members", str(path), "--no-progress")
            print(f"  {label:<18} {seconds:6.2f} s   {summary}")


if __name__ == "__main__":
    main()
