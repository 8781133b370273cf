"""The frozen-prefix speedup every trainer uses: frozen lower layers run once per example.

With LoRA on the last N layers, the layers below never change during training, so their
output for a token sequence is the same at every iteration. :class:`Inputs` computes it
once per distinct sequence (:class:`FrozenPrefix`) and :func:`final_hidden` runs only the
trainable layers on top: the same values and gradients as a full pass, for less work.
"""

from __future__ import annotations

import mlx.core as mx
from mlx.utils import tree_flatten
from mlx_lm.models.base import create_attention_mask

PREFIX_FAMILIES = ("llama", "qwen2")
"""Model families whose decoder layers forge may run in two parts (same mask for every layer)."""


def frozen_layers(model) -> int:
    """Return how many leading decoder layers hold nothing trainable (0 when not splittable).

    Only families whose layers all share one causal mask qualify; others train through the
    whole model.
    """
    if getattr(model, "model_type", None) not in PREFIX_FAMILIES:
        return 0
    layers = model.model.layers
    if any(getattr(layer, "use_sliding", False) for layer in layers):
        return 0
    for i, layer in enumerate(layers):
        if tree_flatten(layer.trainable_parameters()):
            return i
    return 0  # nothing trainable in any layer: no split (nothing to gain either)


class FrozenPrefix:
    """Hidden states after the frozen layers, computed once per distinct token sequence."""

    def __init__(self, model, count: int) -> None:
        self.model, self.count = model, count
        self.rows: dict[tuple[int, ...], mx.array] = {}

    def __call__(self, batch: mx.array, lengths: mx.array) -> mx.array:
        """Return the ``(rows, width, hidden)`` states of ``batch`` after the frozen layers.

        Padding positions hold zeros; causal attention keeps them out of every real position.
        """
        tokens: list[list[int]] = batch.tolist()  # type: ignore[assignment]
        spans: list[list[int]] = lengths.tolist()  # type: ignore[assignment]
        keys = [tuple(row[:n]) for row, (_, n) in zip(tokens, spans, strict=True)]
        if any(k not in self.rows for k in keys):
            hidden = self._run(batch)
            for j, key in enumerate(keys):
                self.rows.setdefault(key, hidden[j, : len(key)])
        width = batch.shape[1]
        out = []
        for key in keys:
            h = self.rows[key][:width]
            pad = width - h.shape[0]
            out.append(mx.pad(h, [(0, pad), (0, 0)]) if pad else h)
        return mx.stack(out)

    def _run(self, batch: mx.array) -> mx.array:
        inner = self.model.model
        h = inner.embed_tokens(batch)
        mask = create_attention_mask(h, None)
        for layer in inner.layers[: self.count]:
            h = layer(h, mask, None)
        mx.eval(h)
        return h


class Inputs:
    """The first input a trainer's loss gets for a padded batch: the tokens themselves, or
    (when the model splits) the cached hidden states after the frozen layers."""

    def __init__(self, model, split: bool = True) -> None:
        self.count = frozen_layers(model) if split else 0
        self.prefix = FrozenPrefix(model, self.count) if self.count else None

    def __call__(self, batch: mx.array, lengths: mx.array) -> mx.array:
        """Return what :func:`final_hidden` expects as ``first`` for ``batch``."""
        return self.prefix(batch, lengths) if self.prefix else batch


def final_hidden(model, first: mx.array, count: int) -> mx.array:
    """Return the final normed hidden states for every input position but the last.

    ``first`` is the token batch when ``count`` is 0, else the states after the first
    ``count`` (frozen) layers from :class:`Inputs`.
    """
    inner = model.model
    if not count:
        return inner(first[:, :-1])
    h = first[:, :-1]
    mask = create_attention_mask(h, None)
    for layer in inner.layers[count:]:
        h = layer(h, mask, None)
    return inner.norm(h)
