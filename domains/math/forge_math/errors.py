"""The one internal error of the math domain: an answer that cannot be read."""

from __future__ import annotations


class AnswerError(ValueError):
    """An answer (or reference) could not be read; ``str(error)`` says why, in one line.

    Raised by normalisation and parsing; the domain turns it into a ``rejected`` verdict for
    a candidate, and into a :class:`forge.errors.TaskFormatError` for a task's reference.
    """
