"""The typed seams of a run: an Engine generates, a Trainer learns, an Executor verifies.

Each seam is a small Protocol. forge's built-ins implement them exactly as a plugin would
(the MLX engine and LoRA trainer in ``forge.model``, the local sandbox executor in
``forge.executor``) and register through the ``register_engines``, ``register_trainers``
and ``register_executors`` hooks; the run config selects them by name (``model.engine``,
``train.method``, ``executor.name``). A plugin registers the *class*: its class methods
(``missing``, ``load``/``create``) build instances, so one class is one engine, trainer or
executor.

An executor may also implement :class:`EngineHost` (one optional method, ``load_engine``):
then the session loads the engine through it, and generation runs on the executor's
workers (the Ray executor's model replicas) instead of in this process.

A :class:`Verifier` is the extra-verifier contract of ``register_verifiers``: a check that
runs after a domain's own verification and may turn a pass into a failure.

Nothing here imports MLX, the sandbox or a domain: the seams are plain typing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from forge.types import Message, Task, Verdict

if TYPE_CHECKING:
    from forge.config import RunConfig, TrainConfig
    from forge.domain import Domain
    from forge.params import SamplingParams, TrainResult
    from forge.types import TrainingExample

ModelProgress = Callable[[str, int, int], None]
"""``progress(stage, done, total)`` while a model is fetched or converted."""

GenerateProgress = Callable[[int, int], None]
"""``progress(finished_sequences, total_sequences)`` while a population generates."""

TrainProgress = Callable[[int, int, float], None]
"""``progress(iteration, total_iterations, loss)`` while an adapter trains."""


@runtime_checkable
class Engine(Protocol):
    """Generates completions for a population of chat prompts with one loaded model.

    Contract for every engine:

    * ``generate`` returns, for each prompt, ``n`` completions (assistant text only), and
      stops a sequence at end-of-turn, when ``stop(text_so_far)`` is True, or at
      ``params.max_tokens``.
    * Temperature 0 is greedy. Otherwise sampling is temperature plus nucleus (``top_p``)
      over the most likely tokens, and sample ``j`` of a prompt draws from a random stream
      keyed by ``(params.seed, the prompt, j)``: the same call gives the same texts however
      the prompts are batched, ordered or split across workers (up to floating-point
      differences between batch shapes).
    * ``with_adapter(path)`` returns an engine that generates with that LoRA adapter (a
      folder written by a Trainer), ``with_adapter(None)`` one with the base model. It never
      changes the engine it is called on in a way its caller can observe.
    """

    name: ClassVar[str]
    identity: dict[str, Any]
    """What is loaded, recorded in the run: model name and source, dtype, device, engine, adapter."""

    @classmethod
    def missing(cls) -> str | None:
        """Return None when this engine can run here, else one line saying what to install."""
        ...

    @classmethod
    def auto_rank(cls) -> int:
        """How strongly ``--engine auto`` prefers this engine on this machine (higher wins)."""
        ...

    @classmethod
    def load(
        cls, model: str, *, adapter: Path | None = None, progress: ModelProgress | None = None
    ) -> Engine:
        """Load ``model`` (registry name, model folder or .gguf) with ``adapter``; raise ModelError."""
        ...

    def generate(
        self,
        prompts: Sequence[Sequence[Message]],
        n: int | Sequence[int] = 1,
        params: SamplingParams | None = None,
        stop: Callable[[str], bool] | None = None,
        progress: GenerateProgress | None = None,
    ) -> list[list[str]]:
        """Return ``n`` (one count, or one per prompt) completions for each chat prompt."""
        ...

    def with_adapter(self, adapter: Path | None) -> Engine:
        """Return an engine generating with ``adapter`` (None: the base model)."""
        ...

    def describe(self) -> str:
        """Return one line for the run header and ``forge doctor`` (engine, model, device)."""
        ...


@runtime_checkable
class Trainer(Protocol):
    """Turns training examples into an adapter folder (``train.method`` selects one)."""

    name: ClassVar[str]

    @classmethod
    def missing(cls) -> str | None:
        """Return None when this trainer can run here, else one line saying what to install."""
        ...

    @classmethod
    def create(cls, model: str, base_adapter: Path | None = None) -> Trainer:
        """Return a trainer for base ``model``, starting from ``base_adapter`` if given."""
        ...

    def train(
        self,
        examples: Sequence[TrainingExample],
        out_dir: Path,
        config: TrainConfig,
        *,
        seed: int = 0,
        progress: TrainProgress | None = None,
    ) -> TrainResult:
        """Train on ``examples``, write the adapter into ``out_dir``, return what was measured."""
        ...


@runtime_checkable
class Executor(Protocol):
    """Verifies artifacts: fans (task, artifact) items out to sandboxed workers.

    ``submit`` returns at once; the future resolves to one verdict per item, in the order of
    ``items``. A domain's exception while verifying becomes an ``error`` verdict naming the
    domain, never an exception out of the future. The local sandbox is the built-in.

    An executor whose workers can also generate implements :class:`EngineHost` as well.
    """

    name: ClassVar[str]
    lanes: int
    """How many verification jobs run at once across all workers."""
    isolation: tuple[str, ...]
    """The sandbox layers every worker applies (the weakest common set)."""

    @classmethod
    def missing(cls) -> str | None:
        """Return None when this executor can run here, else one line saying what to install."""
        ...

    @classmethod
    def create(cls, config: RunConfig) -> Executor:
        """Start the executor's workers for a run with ``config``; raise ForgeError if it cannot."""
        ...

    def submit(
        self,
        domain: Domain,
        items: Sequence[tuple[Task, str | None]],
        verifiers: Sequence[Verifier] = (),
    ) -> Future[list[Verdict]]:
        """Queue the verification of ``items`` by ``domain`` and its extra ``verifiers``."""
        ...

    def describe(self) -> str:
        """Return one line for the run header (executor, workers, lanes, isolation)."""
        ...

    def close(self) -> None:
        """Stop every worker; safe to call twice."""
        ...


@runtime_checkable
class EngineHost(Protocol):
    """The optional second half of an executor: it can run the engine on its own workers.

    When the run's executor implements this, the session loads every engine through
    :meth:`load_engine` (the first one when the run opens, and on resume the one a phase
    needs) instead of calling ``engine.load`` in this process. Training stays here; the
    AFTER phases get the trained adapter through the returned engine's ``with_adapter``,
    so an implementation ships the adapter folder to its workers.
    """

    def load_engine(
        self,
        engine: type[Engine],
        model: str,
        *,
        adapter: Path | None = None,
        progress: ModelProgress | None = None,
    ) -> Engine | None:
        """Return ``engine`` loaded with ``model`` and ``adapter`` on this executor's workers.

        Called by the session before a phase first generates. The result is an
        :class:`Engine` whose ``generate`` fans prompts out to the workers and returns
        the texts in prompt order (the same texts as one local engine, since sampling is
        keyed by seed, prompt and sample index). Return None to have the session load
        ``engine`` in this process as usual; raise ForgeError when it cannot be loaded.
        """
        ...


@runtime_checkable
class Verifier(Protocol):
    """An extra check attached to a domain by ``register_verifiers`` (e.g. a style check).

    ``check`` runs after the domain's own verification, in the same worker, and returns a
    verdict whose failing cases turn a pass into ``failed``, or None to add nothing.
    """

    name: str

    def check(self, task: Task, artifact: str, verdict: Verdict, sandbox: Any) -> Verdict | None:
        """Return this verifier's verdict on ``artifact`` (run it in ``sandbox``), or None."""
        ...
