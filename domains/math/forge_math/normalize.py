"""Unicode normalisation of answer text, applied before any parsing.

Policy (documented in docs/domains/math.md and tested in tests/math/test_normalize.py):

* Direction-control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) make the
  text display differently from what it says, so an answer holding one is **rejected**.
* Zero-width characters (U+200B-U+200D, U+2060, U+FEFF, U+00AD) are **removed**.
* Superscript digits and signs become a power: ``x²`` -> ``x^(2)``; ``2⁻¹`` -> ``2^(-1)``.
* Vulgar fractions become a fraction: ``½`` -> ``(1/2)``, and ``2½`` -> ``(2+1/2)``.
* NFKC folds compatibility forms: full-width digits and letters, ``ﬁ``, non-breaking spaces.
* Math symbols map to ASCII: ``√`` ``∛`` (roots), ``π``, ``∞``, ``× · ⋅ ∗`` (times), ``÷ ∕ ⁄``
  (divide), ``− – —`` (minus), ``±``, ``≤ ≥``, and a few Greek letters become their names.
* Whatever is still outside printable ASCII is left for the parser, which rejects it.
"""

from __future__ import annotations

import re
import unicodedata

from forge_math.errors import AnswerError

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")

_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
    "⁹": "9", "⁻": "-", "⁺": "+",
}  # fmt: skip
_SUPERSCRIPT_RUN = re.compile("[" + "".join(_SUPERSCRIPTS) + "]+")

_VULGAR = {
    "½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅖": "2/5",
    "⅗": "3/5", "⅘": "4/5", "⅙": "1/6", "⅚": "5/6", "⅛": "1/8", "⅜": "3/8", "⅝": "5/8",
    "⅞": "7/8",
}  # fmt: skip
_MIXED = re.compile(r"(\d+)\s?([" + "".join(_VULGAR) + "])")

_SYMBOLS = {
    "√": " sqrt ", "∛": " cbrt ", "π": " pi ", "∞": " oo ", "×": "*", "·": "*", "⋅": "*",
    "∗": "*", "÷": "/", "∕": "/", "⁄": "/", "−": "-", "–": "-", "—": "-", "‐": "-", "±": "±",
    "≤": "<=", "≥": ">=", "⩽": "<=", "⩾": ">=",
    "θ": " theta ", "α": " alpha ", "β": " beta ", "γ": " gamma ", "λ": " lambda ",
    "φ": " phi ", "ω": " omega ", "μ": " mu ", "σ": " sigma ", "δ": " delta ",
}  # fmt: skip


def normalize(text: str) -> str:
    """Return ``text`` in the ASCII-leaning form the parser reads; see the module policy.

    Raises :class:`AnswerError` when the text holds direction-control characters.
    """
    bad = sorted({f"U+{ord(c):04X}" for c in text if c in BIDI_CONTROLS})
    if bad:
        raise AnswerError(f"contains invisible direction-control characters ({', '.join(bad)})")
    text = "".join(c for c in text if c not in ZERO_WIDTH)
    text = _SUPERSCRIPT_RUN.sub(
        lambda m: "^(" + "".join(_SUPERSCRIPTS[c] for c in m[0]) + ")", text
    )
    text = _MIXED.sub(lambda m: f"({m[1]}+{_VULGAR[m[2]]})", text)
    text = "".join(f"({_VULGAR[c]})" if c in _VULGAR else c for c in text)
    text = "".join(_SYMBOLS.get(c, c) for c in text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_SYMBOLS.get(c, c) for c in text)  # NFKC may surface more (full-width forms)
    return re.sub(r"\s+", " ", text).strip()
