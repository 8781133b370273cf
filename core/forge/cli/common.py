"""Helpers shared by CLI commands: domain and task resolution, reading candidates."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from forge.domain import Domain
from forge.errors import UsageError
from forge.plugins import get_manager
from forge.tasks import load_tasks
from forge.types import Task

domain_option = click.option(
    "--domain",
    "-d",
    "domain_name",
    required=True,
    metavar="NAME",
    help="Domain to use (see 'forge domains'), e.g. code, sql, math.",
)
tasks_option = click.option(
    "--tasks",
    "-t",
    "tasks_source",
    default=None,
    metavar="SRC",
    help="Task file, or a named set such as humaneval or 'humaneval[40:48]'. Default: built-in tasks.",
)


def get_domain(name: str) -> Domain:
    """Return the installed domain ``name``; unknown names raise a one-line error with a suggestion."""
    return get_manager().domain(name)


def resolve_tasks(domain: Domain, source: str | None) -> list[Task]:
    """Load the tasks for ``--tasks`` (None = built-in set)."""
    return load_tasks(domain, source)


def find_task(tasks: list[Task], task_id: str, source: str | None) -> Task:
    """Return the task called ``task_id`` or raise with the closest ids."""
    from forge.errors import UnknownNameError

    for task in tasks:
        if task.id == task_id:
            return task
    where = f" in '{source}'" if source else ""
    raise UnknownNameError("task", task_id, [t.id for t in tasks], label=f"Available{where}")


def read_candidate(path: str) -> str:
    """Return the candidate text from a file or ``-`` (stdin); undecodable bytes are replaced."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        p = Path(path)
        if not p.is_file():
            raise UsageError(
                f"Candidate file '{path}' does not exist.", "Pass a file path, or - to read stdin."
            )
        data = p.read_bytes()
    return data.decode("utf-8", errors="replace")
