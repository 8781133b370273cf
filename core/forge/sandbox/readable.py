"""What a sandboxed child may read under Landlock: code, never data shipped in packages.

Landlock only allows (it has no "deny" rule), and a rule on a folder covers everything
below it. So the read set is built entry by entry:

* **System roots** (shared libraries, the standard library, time zones) are allowed as
  whole folders, except that a folder holding a *package folder* (``site-packages``,
  ``dist-packages``) is split into one rule per entry, down to the package folder.
* **Package folders on ``sys.path``** are allowed *code only*: a subtree holding nothing
  but code (``.py``, ``.pyc``, ``.pyi``, ``.so``, ``py.typed``) is one rule; elsewhere each
  code file is its own rule, and every other file -- task data, a benchmark's answers,
  ``*.dist-info`` metadata -- is left out. Symbolic links are never followed.
* A folder that was split gets a *list* rule (its names, never file contents), since the
  import system lists a folder to find the modules in it. Landlock rules cover subtrees, so
  the names of files inside left-out folders are listable too; their contents are not.
* **Package folders not on ``sys.path``** (the base interpreter's, the distribution's) are
  not readable at all, nor are source folders of editable installs: the lane imported
  what its runners need before it forked.

The supervisor computes the list once per process (:func:`read_rules`, cached) and sends
it to its lanes, which build their Landlock ruleset from it.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import site
import sys
import sysconfig

SYSTEM_ROOTS = (
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib32",
    "/usr/libx32",
    "/lib",
    "/lib64",
    "/lib32",
    "/usr/local/lib",
    "/usr/share/zoneinfo",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
)
PACKAGE_DIRS = ("site-packages", "dist-packages")
_CODE = re.compile(r"\.(?:py|pyc|pyi|pyd|dylib|so(?:\.\d+)*)$")
_CODE_NAMES = frozenset({"py.typed"})


def is_code(name: str) -> bool:
    """True for a file name that holds code a Python import may load."""
    return bool(_CODE.search(name)) or name in _CODE_NAMES


LIST = "list:"  # prefix of a rule that allows listing a folder, not reading its files


@functools.lru_cache(maxsize=1)
def read_rules() -> tuple[str, ...]:
    """Return the paths (folders and files) a child may read, computed once per process.

    A rule starting with :data:`LIST` allows listing that folder (and those below it) only.
    """
    importable = _importable_package_dirs()
    hidden = importable | _all_package_dirs()
    roots = {_real(p) for p in (*_python_roots(), *SYSTEM_ROOTS) if os.path.exists(p)}
    out: list[str] = []
    for root in sorted(roots):
        if not any(_inside(root, other) for other in roots if other != root):
            out += split_rules(root, hidden, importable)
    for pkg in sorted(importable):
        if not any(_inside(pkg, root) for root in roots):
            out += code_rules(pkg)
    exe = _real(sys.executable)
    return tuple(dict.fromkeys([*out, exe]))


def split_rules(root: str, hidden: set[str], importable: set[str]) -> list[str]:
    """Rules for ``root`` that leave out every folder in ``hidden`` (code-only if importable)."""
    if root in hidden:
        return code_rules(root) if root in importable else []
    if not any(_inside(h, root) for h in hidden):
        return [root]
    out = [LIST + root]
    for entry in _entries(root):
        if not entry.is_symlink():
            out += split_rules(entry.path, hidden, importable)
        elif not _touches(_real(entry.path), hidden):
            out.append(entry.path)  # a link (a library's soname): its target, if not hidden
    return out


def code_rules(folder: str) -> list[str]:
    """Rules allowing the code under ``folder`` and nothing else (one rule per pure subtree)."""
    out: list[str] = []
    return [folder] if _pure(folder, out) else out


def _pure(folder: str, out: list[str]) -> bool:
    """True if ``folder`` holds only code; else append rules for its code parts to ``out``."""
    files, pure_dirs, pure = [], [], True
    for entry in _entries(folder):
        if entry.is_symlink():
            pure = False
        elif entry.is_dir(follow_symlinks=False):
            mark = len(out)
            if _pure(entry.path, out):
                del out[mark:]
                pure_dirs.append(entry.path)
            else:
                pure = False
        elif entry.is_file(follow_symlinks=False) and is_code(entry.name):
            files.append(entry.path)
        else:
            pure = False
    if not pure:
        out += [LIST + folder, *files, *pure_dirs]
    return pure


def _python_roots() -> list[str]:
    """The standard library folders (their package folders are split out later)."""
    paths = sysconfig.get_paths()
    dynload = os.path.join(paths["platstdlib"], "lib-dynload")
    return [paths["stdlib"], paths["platstdlib"], dynload]


def _importable_package_dirs() -> set[str]:
    """Package folders on sys.path (site.getsitepackages, the user site, ``*-packages``)."""
    found = [p for p in sys.path if p and os.path.basename(p.rstrip("/")) in PACKAGE_DIRS]
    try:
        found += site.getsitepackages()
    except AttributeError:  # an old virtualenv's site module
        pass
    found += [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    on_path = {_real(p) for p in sys.path if p}
    return {_real(p) for p in found if os.path.isdir(p) and _real(p) in on_path}


def _all_package_dirs() -> set[str]:
    """Every package folder under the roots a child may read, importable or not."""
    found: set[str] = set()
    bases = {*SYSTEM_ROOTS, sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for base in bases:
        for name in PACKAGE_DIRS:
            for pattern in ("{}/{}", "{}/python*/{}", "{}/lib*/python*/{}"):
                found.update(glob.glob(pattern.format(glob.escape(base), name)))
    return {_real(p) for p in found if os.path.isdir(p)}


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _touches(path: str, hidden: set[str]) -> bool:
    """True if ``path`` is, lies inside, or contains one of the ``hidden`` folders."""
    return any(path == h or _inside(path, h) or _inside(h, path) for h in hidden)


def _inside(path: str, folder: str) -> bool:
    """True if ``path`` is strictly inside ``folder``."""
    return path.startswith(folder.rstrip("/") + "/")


def _real(path: str) -> str:
    return os.path.realpath(path)
