"""Continuous batched decoding of a population on one llama.cpp context.

Every distinct prompt is prefilled once into a *parent* sequence; each of its samples starts
as a copy of the parent's KV (``llama_memory_seq_cp``) and draws its first token from the
parent's last logits. All running samples decode together, one token each per
``llama_decode``, and prompt chunks of the next parents ride in the same batch. A sample
leaves at an end-of-turn token, when ``stop(text)`` is True, or at ``max_tokens``; its KV
stream is freed at once and the next pending sample takes it, so the batch stays full until
the population runs out. Token choice is the shared sampler (:mod:`forge.sampling`).

Stream ids are kept contiguous. With one KV stream per sequence llama.cpp splits a batch into
one graph pass per run of *consecutive* sequence ids (``split_equal(..., sequential=true)``),
so scattered ids cost a pass over the weights each: a 32-row step of ids left scrambled by
retirements took ~20 passes. Samples therefore take the lowest free stream, parents the
highest, rows are decoded in stream order, and when a stream frees up below a running row
(or above a parent) the highest row moves down into it, or the parent up (one KV copy, far
cheaper than a pass).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from forge import sampling
from forge.params import SamplingParams


@dataclass
class _Parent:
    """A distinct prompt: its stream, how much of it is prefilled, its samples still to start."""

    prompt: tuple[int, ...]
    seq: int
    pending: deque  # (output prompt index, sample index) not started yet
    fed: int = 0
    logits: np.ndarray | None = None


@dataclass
class _Row:
    """A running sample: where its text goes, its random stream, tokens, next position."""

    out: tuple[int, int]
    rng: np.random.Generator
    pos: int
    tokens: list[int] = field(default_factory=list)


class Scheduler:
    """Runs one ``generate`` call; ``ctx`` is a :class:`forge.llamacpp.native.Context`."""

    def __init__(
        self, ctx, params: SamplingParams, eos: set[int], decode, stop, progress, tuner=None
    ):
        self.ctx, self.params, self.eos, self.tuner = ctx, params, eos, tuner
        self.decode_text: Callable[[list[int]], str] = decode
        self.stop, self.progress = stop, progress
        self.free = set(range(ctx.seqs))
        self.parents: list[_Parent] = []
        self.rows: dict[int, _Row] = {}
        self.texts: dict[tuple[int, int], str] = {}
        self.cap = max(1, params.max_tokens)

    def run(self, prompts: Sequence[Sequence[int]], counts: Sequence[int]) -> list[list[str]]:
        """Generate ``counts[i]`` completions of token prompt ``prompts[i]``; return the texts."""
        groups: dict[tuple[int, ...], deque] = {}
        for i, (p, n) in enumerate(zip(prompts, counts, strict=True)):
            groups.setdefault(tuple(p), deque()).extend((i, j) for j in range(n))
        waiting = deque((p, q) for p, q in groups.items() if q)
        total = sum(counts)
        self.progress(0, total)
        try:
            while waiting or self.parents or self.rows:
                self._admit()
                self._compact()
                order = sorted(self.rows)
                batch = [(self.rows[s].tokens[-1], self.rows[s].pos, s, True) for s in order]
                feeding = self._feed(batch, waiting)
                if not batch:
                    continue
                running = len(order)
                logits = self._decode(batch, pure=len(batch) == running)
                self._advance(order, logits[:running])
                self._finish_prefill(feeding, logits[running:])
                self.progress(len(self.texts), total)
        finally:
            self.ctx.clear()
        out: list[list[str]] = [[""] * n for n in counts]
        for (i, j), text in self.texts.items():
            out[i][j] = text
        return out

    def _decode(self, batch: list, pure: bool):
        """One ``llama_decode`` with the thread count the tuner picks (and tells it the time)."""
        if self.tuner is None:
            return self.ctx.decode(batch)
        self.ctx.set_threads(self.tuner.pick())
        start = time.perf_counter()
        logits = self.ctx.decode(batch)
        self.tuner.record(len(batch), time.perf_counter() - start, pure)
        return logits

    def _feed(self, batch: list, waiting: deque) -> list[_Parent]:
        """Add prompt chunks to ``batch`` (starting new parents while streams allow); return
        the parents whose last prompt token is in this batch (their logits come back)."""
        room = self.ctx.batch_size - len(batch)
        done = []
        while waiting and len(self.free) >= 2 and sum(p.logits is None for p in self.parents) < 2:
            prompt, pending = waiting.popleft()
            seq = max(self.free)  # parents at the top, samples from the bottom
            self.free.discard(seq)
            self.parents.append(_Parent(prompt, seq, pending))
        for parent in self.parents:
            if parent.logits is not None or room <= 0:
                continue
            end = min(len(parent.prompt), parent.fed + room)
            for pos in range(parent.fed, end):
                batch.append((parent.prompt[pos], pos, parent.seq, pos == len(parent.prompt) - 1))
            room -= end - parent.fed
            parent.fed = end
            if end == len(parent.prompt):
                done.append(parent)
        return done

    def _finish_prefill(self, parents: list[_Parent], logits: np.ndarray) -> None:
        """Keep each fully prefilled parent's last logits for its samples' first token."""
        for parent, row in zip(parents, logits, strict=True):
            parent.logits = row

    def _admit(self) -> None:
        """Start pending samples of prefilled parents in free streams; retire empty parents."""
        for parent in list(self.parents):
            if parent.logits is None:
                continue
            self._compact()  # a parent retired above: move this one up before its samples start
            starting: list[tuple[int, _Row]] = []
            while parent.pending and self.free:
                out = parent.pending.popleft()
                seq = min(self.free)
                self.free.discard(seq)
                self.ctx.copy_seq(parent.seq, seq)
                rng = sampling.sequence_rng(self.params.seed, parent.prompt, out[1])
                starting.append((seq, _Row(out, rng, len(parent.prompt))))
            if starting:
                logits = np.broadcast_to(parent.logits, (len(starting), parent.logits.shape[0]))
                self._take(starting, logits)
            if not parent.pending:
                self.ctx.drop_seq(parent.seq)
                self.free.add(parent.seq)
                self.parents.remove(parent)

    def _compact(self) -> None:
        """Move parents up into free streams above them and the highest running rows down into
        free streams below them (see the module docstring), so the running rows hold streams
        0..n-1."""
        for parent in sorted(self.parents, key=lambda p: p.seq):
            high = max(self.free, default=-1)
            if high > parent.seq:
                parent.seq = self._move(parent.seq, high)
        while self.rows and self.free:
            top, low = max(self.rows), min(self.free)
            if low > top:
                return
            self.rows[self._move(top, low)] = self.rows.pop(top)

    def _move(self, src: int, dst: int) -> int:
        """Move sequence ``src``'s KV into free stream ``dst``, free ``src``; return ``dst``."""
        self.ctx.copy_seq(src, dst)
        self.ctx.drop_seq(src)
        self.free.discard(dst)
        self.free.add(src)
        return dst

    def _advance(self, order: list[int], logits: np.ndarray) -> None:
        """Sample the next token of the running rows ``order`` (stream ids, in batch order)."""
        rows = [(s, self.rows[s]) for s in order]
        for _, row in rows:
            row.pos += 1
        self._take(rows, logits)

    def _take(self, rows: list[tuple[int, _Row]], logits: np.ndarray) -> None:
        """Draw one token per row, append it, and retire the rows that finished."""
        p = self.params
        tokens = sampling.sample_logits(logits, p.temperature, p.top_p, [r.rng for _, r in rows])
        for (seq, row), tok in zip(rows, tokens.tolist(), strict=True):
            self.rows[seq] = row
            if tok in self.eos:
                self._retire(seq, row)
                continue
            row.tokens.append(tok)
            full = len(row.tokens) >= self.cap
            if full or (self.stop is not None and self.stop(self.decode_text(row.tokens))):
                self._retire(seq, row)

    def _retire(self, seq: int, row: _Row) -> None:
        """Record a finished row's text and free its stream."""
        self.texts[row.out] = self.decode_text(row.tokens)
        del self.rows[seq]
        self.ctx.drop_seq(seq)
        self.free.add(seq)
