"""``forge tasks`` (list a domain's tasks) and ``forge verify`` (check one candidate)."""

from __future__ import annotations

import json

import click

from forge import sanitize
from forge.cli.common import (
    domain_option,
    find_task,
    get_domain,
    read_candidate,
    resolve_tasks,
    tasks_option,
)
from forge.plugins import get_manager
from forge.types import Verdict


@click.command("tasks")
@domain_option
@tasks_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per task (JSONL).")
def tasks_cmd(domain_name: str, tasks_source: str | None, as_json: bool) -> None:
    """List the tasks of a domain: id, difficulty and the first line of the prompt.

    Without --tasks, also lists the domain's named sets that describe themselves.
    """
    domain = get_domain(domain_name)
    tasks = resolve_tasks(domain, tasks_source)
    if as_json:
        for task in tasks:
            click.echo(json.dumps(task.to_dict(), default=repr))
        return
    width = max((len(t.id) for t in tasks), default=2)
    for task in tasks:
        first = _summary_line(task.prompt)
        click.echo(f"{task.id.ljust(width)}  {task.difficulty}  {first[:90]}")
    if tasks_source is None:
        _print_named_sets(domain.name)
    click.echo(f"{len(tasks)} tasks", err=True)


def _print_named_sets(domain_name: str) -> None:
    """Print the domain's named sets whose loader has a ``description`` (one line each)."""
    prefix = f"{domain_name}:"
    loaders = get_manager().registry().loaders
    described = {
        k: str(vars(loader).get("description") or "") if hasattr(loader, "__dict__") else ""
        for k, loader in loaders.items()
    }
    rows = [
        (key[len(prefix) :], text)
        for key, text in sorted(described.items())
        if key.startswith(prefix) and text
    ]
    if not rows:
        return
    click.echo(f"\nNamed sets (--tasks '{prefix}NAME'):")
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        click.echo(f"  {name.ljust(width)}  {text}")


def _summary_line(prompt: str) -> str:
    """The first line of a prompt that says something (skips blank lines and imports)."""
    for line in prompt.splitlines():
        text = line.strip().strip('"').strip()
        if text and not text.startswith(("from ", "import ", "#")):
            return text
    return ""


@click.command("verify")
@domain_option
@tasks_option
@click.option("--task", "task_id", required=True, metavar="ID", help="Task id (see 'forge tasks').")
@click.option(
    "--candidate",
    "-c",
    required=True,
    metavar="FILE|-",
    help="A raw completion or bare artifact (code, query, answer); - reads stdin.",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
def verify_cmd(
    domain_name: str, tasks_source: str | None, task_id: str, candidate: str, as_json: bool
) -> None:
    """Verify one candidate against one task in the sandbox.

    Exit status: 0 when every case passed, 1 when not, 2 on bad usage or bad input.
    """
    from forge import plugin_calls
    from forge.attempts import safe_extract
    from forge.readiness import require_ready
    from forge.sandbox import Sandbox
    from forge.verifiers import verify_all

    domain = get_domain(domain_name)
    require_ready(domain)
    task = find_task(resolve_tasks(domain, tasks_source), task_id, tasks_source)
    text = read_candidate(candidate)
    artifact = safe_extract(domain, text)
    verifiers = get_manager().registry().verifiers.get(domain.name, [])
    with Sandbox() as sandbox:
        verdict = verify_all(domain, [(task, artifact)], sandbox, verifiers)[0]
    if "plugin_error" in verdict.extra:
        click.echo(f"Warning: {verdict.message}", err=True)
    feedback = plugin_calls.feedback(domain, task, verdict, "specific", _warn)
    if as_json:
        click.echo(json.dumps(_verdict_json(task.id, domain, verdict, feedback)))
    else:
        _print_verdict(task.id, verdict, feedback)
    raise SystemExit(0 if verdict.status == "passed" else 1)


def _warn(key: str, message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def _verdict_json(task_id: str, domain, verdict: Verdict, feedback: str) -> dict:
    from forge import plugin_calls

    d = verdict.to_dict()
    hp, ht = (sum(c.passed for c in verdict.hidden), len(verdict.hidden))
    return {
        "task": task_id,
        "domain": domain.name,
        "domain_version": domain.version,
        "status": verdict.status,
        "passed": verdict.passed,
        "total": verdict.total,
        "hidden_passed": hp,
        "hidden_total": ht,
        "score": plugin_calls.score(domain, verdict, _warn),
        "feedback": feedback,
        "message": verdict.message,
        "cases": d["cases"],
        "isolation": d["isolation"],
        "duration_s": d["duration_s"],
    }


def _print_verdict(task_id: str, verdict: Verdict, feedback: str) -> None:
    mark = (
        click.style("PASSED", fg="green")
        if verdict.status == "passed"
        else click.style(verdict.status.upper(), fg="red")
    )
    hidden = verdict.hidden
    extra = f", hidden {sum(c.passed for c in hidden)}/{len(hidden)}" if hidden else ""
    click.echo(
        f"{sanitize.text(task_id, 200)}: {mark} {verdict.passed}/{verdict.total} public tests"
        f"{extra} in {verdict.duration_s:.2f}s"
    )
    if verdict.status != "passed":
        click.echo("feedback:")
        for line in feedback.splitlines():
            sanitize.echo(f"  {line}")
    sanitize.echo(f"isolation: {', '.join(verdict.isolation) or 'none'}")


COMMANDS = [tasks_cmd, verify_cmd]
