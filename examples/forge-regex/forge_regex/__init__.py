"""forge-regex: a third-party forge domain where the model writes regular expressions."""

__version__ = "0.1.0"
