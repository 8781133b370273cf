"""Generate the seed data of the built-in databases (``python -m forge_sql.seedgen``).

Each built-in database has ``seed.sql`` (the example database shown to the model) and
``hidden.sql`` (same schema, different rows; the hidden variant that catches answers which
hard-code values). The files are committed; a test checks they match this generator.
Values are drawn so that sorted outputs have no ties (unique names, prices and salaries).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

FIRST = "Ada Ben Cleo Dana Eli Fay Gus Hana Ivan Jade Kai Lena Milo Nora Omar Pia Quinn Rosa Sam Tara Uma Vic Wes Yara Zoe".split()
LAST = "Adams Brown Costa Diaz Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Moreau Novak Ortiz Petrov".split()
SEEDS = {"seed": 11, "hidden": 43}


def _names(rng: random.Random, n: int) -> list[str]:
    pool = [f"{f} {la}" for f in FIRST for la in LAST]
    return rng.sample(pool, n)


def _day(rng: random.Random, start: str, span_days: int) -> str:
    return (date.fromisoformat(start) + timedelta(days=rng.randrange(span_days))).isoformat()


def _q(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def _insert(table: str, rows: list[tuple]) -> str:
    values = ",\n".join("(" + ", ".join(_q(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} VALUES\n{values};\n"


def shop(rng: random.Random) -> str:
    """Customers, products, orders and order items."""
    cities = ["Lyon", "Paris", "Berlin", "Madrid", "Oslo"]
    names = _names(rng, 22)
    customers = []
    for i, name in enumerate(names, 1):
        email = None if rng.random() < 0.2 else name.lower().replace(" ", ".") + "@example.com"
        customers.append((i, name, email, rng.choice(cities), _day(rng, "2022-01-01", 900)))
    catalog = {
        "Books": ["Atlas", "Novel", "Cookbook", "Diary"],
        "Games": ["Chess Set", "Puzzle", "Cards", "Dice"],
        "Garden": ["Shovel", "Hose", "Seeds", "Rake"],
        "Kitchen": ["Kettle", "Pan", "Knife", "Whisk"],
    }
    pool = [(item, cat) for cat, items in catalog.items() for item in items]
    prices = rng.sample(range(300, 9000), 12)
    products = [
        (i, item, cat, prices[i - 1] / 100)
        for i, (item, cat) in enumerate(sorted(rng.sample(pool, 12), key=pool.index), 1)
    ]
    statuses = ["delivered", "delivered", "shipped", "pending", "cancelled"]
    orders, items = [], []
    buyers = rng.sample(range(1, 23), 17)
    for oid in range(1, 46):
        orders.append((oid, rng.choice(buyers), _day(rng, "2023-06-01", 400), rng.choice(statuses)))
        for pid in sorted(rng.sample(range(1, 13), rng.randint(1, 3))):
            items.append((oid, pid, rng.randint(1, 4)))
    return "".join(
        _insert(t, r)
        for t, r in [
            ("customers", customers),
            ("products", products),
            ("orders", orders),
            ("order_items", items),
        ]
    )


def school(rng: random.Random) -> str:
    """Teachers, students, courses and enrollments with some grades still missing."""
    depts = ["Math", "Physics", "History", "Biology"]
    people = _names(rng, 30)
    teachers = [(i, people[i - 1], depts[(i - 1) % 4]) for i in range(1, 8)]
    students = []
    for i, name in enumerate(people[7:], 1):
        advisor = None if rng.random() < 0.25 else rng.randint(1, 7)
        students.append((i, name, rng.randint(1, 4), _day(rng, "2001-01-01", 2200), advisor))
    titles = {
        "Math": ["Algebra", "Calculus", "Statistics"],
        "Physics": ["Mechanics", "Optics"],
        "History": ["Ancient Rome", "Modern Europe"],
        "Biology": ["Genetics", "Ecology"],
    }
    courses = []
    for dept, names in titles.items():
        for title in names:
            teacher = rng.choice([t[0] for t in teachers[:6] if t[2] == dept] + [None])
            courses.append((len(courses) + 1, title, dept, rng.randint(2, 6), teacher))
    enrollments = []
    for sid in range(1, len(students) + 1):
        for cid in sorted(rng.sample(range(1, len(courses) + 1), rng.randint(0, 4))):
            term = rng.choice(["2023-fall", "2024-spring", "2024-fall"])
            grade = (
                None
                if term == "2024-fall" and rng.random() < 0.6
                else rng.randint(35, 100) + rng.choice([0, 0.5])
            )
            enrollments.append((sid, cid, term, grade))
    return "".join(
        _insert(t, r)
        for t, r in [
            ("teachers", teachers),
            ("students", students),
            ("courses", courses),
            ("enrollments", enrollments),
        ]
    )


def hr(rng: random.Random) -> str:
    """Departments, employees with managers, projects and assignments."""
    depts = [
        (1, "Engineering", "Berlin"),
        (2, "Sales", "Paris"),
        (3, "Finance", "Berlin"),
        (4, "Support", "Madrid"),
        (5, "Legal", "Oslo"),
    ]
    names = _names(rng, 24)
    salaries = rng.sample(range(380, 1300), 24)
    employees = []
    for i, name in enumerate(names, 1):
        dept = None if rng.random() < 0.1 else rng.randint(1, 4)
        manager = None if i <= 3 else rng.randint(1, i - 1)
        bonus = None if rng.random() < 0.35 else rng.randrange(1000, 9000, 500)
        employees.append(
            (i, name, dept, manager, salaries[i - 1] * 100, bonus, _day(rng, "2018-01-01", 2400))
        )
    pnames = ["Apollo", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Gemini", "Helix"]
    projects = []
    for i, pname in enumerate(pnames, 1):
        start = _day(rng, "2022-01-01", 700)
        end = None if rng.random() < 0.4 else _day(rng, "2024-03-01", 300)
        projects.append((i, pname, rng.randint(1, 4), start, end))
    assignments = []
    for eid in range(1, 25):
        for pid in sorted(rng.sample(range(1, 9), rng.randint(0, 3))):
            assignments.append((eid, pid, rng.randrange(10, 200, 5)))
    return "".join(
        _insert(t, r)
        for t, r in [
            ("departments", depts),
            ("employees", employees),
            ("projects", projects),
            ("assignments", assignments),
        ]
    )


GENERATORS: dict[str, Callable[[random.Random], str]] = {"shop": shop, "school": school, "hr": hr}


def render(name: str, part: str) -> str:
    """Return the seed SQL for database ``name`` and part ``seed`` or ``hidden``."""
    rng = random.Random(f"{name}:{SEEDS[part]}")
    return f"-- Generated by python -m forge_sql.seedgen; do not edit.\n{GENERATORS[name](rng)}"


def main() -> None:
    """Write every seed file next to its schema."""
    root = Path(__file__).parent / "data"
    for name in GENERATORS:
        for part in SEEDS:
            (root / name / f"{part}.sql").write_text(render(name, part), encoding="utf-8")


if __name__ == "__main__":
    main()
