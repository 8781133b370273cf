"""Find the Verilog a model wrote: a fenced block, or the modules in bare text."""

from __future__ import annotations

import re

MAX_CHARS = 20000
_FENCE = re.compile(r"```[ \t]*(?:verilog|systemverilog|sv|v)?[ \t]*\n(.*?)```", re.S | re.I)
_MODULES = re.compile(r"\bmodule\b.*?\bendmodule\b", re.S)


def extract_verilog(text: str) -> str | None:
    """Return the Verilog source in ``text``, or None when it holds no module.

    A fenced block that declares a module wins (the first such block); otherwise every
    ``module ... endmodule`` in the text, in order. Text longer than :data:`MAX_CHARS` is
    cut there first, so a runaway completion costs bounded time.
    """
    text = text[:MAX_CHARS]
    for block in _FENCE.findall(text):
        if _MODULES.search(block):
            return block.strip() + "\n"
    modules = _MODULES.findall(text)
    return "\n\n".join(m.strip() for m in modules) + "\n" if modules else None
