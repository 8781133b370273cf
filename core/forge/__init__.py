"""forge: a small local language model that teaches itself anything with an automatic check."""

__version__ = "0.1.0"
