"""The program profile: jobs whose child may execute declared programs and nothing else.

A domain lists the programs it runs (``Domain.executables``); forge resolves them once
(:mod:`forge.programs`) and asks its sandbox for a view with :meth:`Sandbox.with_programs`.
:func:`resolve` turns those paths into a :class:`ProgramProfile`: each file (symlinks
resolved), the ELF interpreter each one needs (the dynamic loader, which the kernel opens
for execution too), the interpreter of a ``#!`` script, and the shared libraries ``ldd``
names. The lane then builds the child's isolation from it, with every other layer on:

* Landlock grants *execute* on exactly those files and their loaders (reads never carry
  execute), and *read* on the libraries;
* seccomp allows ``fork``/``clone``/``execve`` (no new namespaces), refusing the rest of
  the default profile;
* the child and everything it starts run under one uid per lane (as root: a fresh uid
  ``LANE_UID_BASE + lane pid``; otherwise the lane's own user namespace), so
  ``RLIMIT_NPROC`` bounds the processes a job can have at once, and every process of that
  uid is killed when the job ends.
"""

from __future__ import annotations

import functools
import os
import shutil
import struct
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from forge.errors import SandboxError

DEFAULT_PROCESSES = 32
"""Processes (and threads) a job may have at once under the program profile."""

_PT_INTERP = 3


@dataclass(frozen=True)
class ProgramProfile:
    """What a job under the program profile may execute and read, resolved once."""

    executables: tuple[str, ...]
    """Real paths of the declared programs (and of ``#!`` interpreters they name)."""
    loaders: tuple[str, ...] = ()
    """ELF interpreters (the dynamic loader) the programs need; executed by the kernel."""
    libraries: tuple[str, ...] = ()
    """Shared libraries the programs load (read, never executed)."""
    processes: int = DEFAULT_PROCESSES

    def to_wire(self) -> dict[str, Any]:
        """Return the plain data a lane receives with each job."""
        return {
            "execute": [*self.executables, *self.loaders],
            "read": list(self.libraries),
            "processes": self.processes,
        }

    def describe(self) -> str:
        """Return e.g. ``programs (iverilog, vvp; 32 processes)``."""
        names = ", ".join(os.path.basename(p) for p in self.executables)
        return f"programs ({names}; {self.processes} processes)"


@functools.lru_cache(maxsize=64)
def resolve(paths: tuple[str, ...], processes: int = DEFAULT_PROCESSES) -> ProgramProfile:
    """Return the profile for the absolute program ``paths``; raise SandboxError for a path
    that is not an executable file (forge resolves names with :func:`forge.programs.locate`)."""
    if isinstance(processes, bool) or not isinstance(processes, int) or not 1 <= processes <= 4096:
        raise SandboxError(f"processes must be an int from 1 to 4096, not {processes!r}")
    executables: list[str] = []
    pending = list(paths)
    while pending:
        path = pending.pop(0)
        real = os.path.realpath(path)
        if not os.path.isabs(path) or not os.path.isfile(real) or not os.access(real, os.X_OK):
            raise SandboxError(f"'{path}' is not an executable file (give absolute paths)")
        if real not in executables:
            executables.append(real)
            pending += _shebang(real)
    loaders = sorted({os.path.realpath(i) for p in executables if (i := elf_interpreter(p))})
    libraries = sorted({lib for p in executables for lib in shared_libraries(p)})
    return ProgramProfile(tuple(executables), tuple(loaders), tuple(libraries), processes)


class _Layout(NamedTuple):
    """Where the fields ``PT_INTERP`` needs sit in a 32- or 64-bit ELF file."""

    phoff: tuple[int, str]  # e_phoff (offset, struct code) in the file header
    phent: int  # offset of e_phentsize, e_phnum
    offset: tuple[int, str]  # p_offset in a program header
    size: tuple[int, str]  # p_filesz
    min_entry: int


_ELF = {
    False: _Layout((28, "I"), 42, (4, "I"), (16, "I"), 32),
    True: _Layout((32, "Q"), 54, (8, "Q"), (32, "Q"), 56),
}


def elf_interpreter(path: str) -> str | None:
    """Return the ELF interpreter (``PT_INTERP``) of ``path``, or None (static, not ELF)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] not in (1, 2):
                return None
            order, layout = "<" if head[5] == 1 else ">", _ELF[head[4] == 2]

            def field(data: bytes, at: tuple[int, str]) -> int:
                return int(struct.unpack_from(order + at[1], data, at[0])[0])

            phoff = field(head, layout.phoff)
            phentsize, phnum = struct.unpack_from(order + "HH", head, layout.phent)
            for i in range(min(phnum, 256)):
                f.seek(phoff + i * phentsize)
                entry = f.read(phentsize)
                if len(entry) < layout.min_entry or field(entry, (0, "I")) != _PT_INTERP:
                    continue
                f.seek(field(entry, layout.offset))
                name = f.read(min(field(entry, layout.size), 4096)).split(b"\0")[0]
                return name.decode() or None
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return None


def shared_libraries(path: str) -> list[str]:
    """Return the real paths of the shared libraries ``ldd`` says ``path`` loads (Linux;
    [] where ``ldd`` is missing or fails). Run once per program, on trusted programs."""
    ldd = shutil.which("ldd")
    if ldd is None or not elf_interpreter(path):
        return []
    try:
        out = subprocess.run(
            [ldd, path], capture_output=True, text=True, timeout=10, env={"LC_ALL": "C"}
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        words = line.replace("=>", " ").split()
        found += [os.path.realpath(w) for w in words if w.startswith("/") and os.path.isfile(w)]
    return found


def _shebang(path: str) -> list[str]:
    """Return the interpreter a ``#!`` script names (it is executed too), else []."""
    try:
        with open(path, "rb") as f:
            first = f.readline(256)
    except OSError:
        return []
    if not first.startswith(b"#!"):
        return []
    words = first[2:].decode(errors="replace").split()
    return [words[0]] if words and os.path.isabs(words[0]) else []


def check_paths(paths: Sequence[str]) -> tuple[str, ...]:
    """Return ``paths`` as a tuple of str, raising SandboxError for anything else."""
    if isinstance(paths, str) or not all(isinstance(p, str) for p in paths):
        raise SandboxError("programs must be a sequence of absolute paths (str)")
    return tuple(paths)
