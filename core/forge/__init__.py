"""forge: a small local language model that teaches itself anything with an automatic check.

The names a plugin needs are importable from here::

    import forge

    @forge.hookimpl
    def register_domains(register):
        register(MyDomain())

Importing ``forge`` is cheap: no MLX, no sandbox lanes, no domain is loaded by it.
"""

from forge.domain import Domain, score_only_feedback
from forge.errors import ForgeError, PluginError, TaskFormatError
from forge.hookspecs import hookimpl
from forge.params import SamplingParams, TrainResult
from forge.protocols import Engine, EngineHost, Executor, Trainer, Verifier
from forge.sandbox.jobs import Job, JobResult, Limits
from forge.types import (
    STATUSES,
    Attempt,
    Candidate,
    CaseResult,
    Message,
    Task,
    TrainingExample,
    Verdict,
    best,
)

__version__ = "0.1.0"

__all__ = [
    "STATUSES",
    "Attempt",
    "Candidate",
    "CaseResult",
    "Domain",
    "Engine",
    "EngineHost",
    "Executor",
    "ForgeError",
    "Job",
    "JobResult",
    "Limits",
    "Message",
    "PluginError",
    "SamplingParams",
    "Task",
    "TaskFormatError",
    "TrainResult",
    "Trainer",
    "TrainingExample",
    "Verdict",
    "Verifier",
    "__version__",
    "best",
    "score_only_feedback",
    "hookimpl",
]
