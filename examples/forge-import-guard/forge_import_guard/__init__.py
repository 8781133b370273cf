"""forge-import-guard: an extra verifier for forge's ``code`` domain."""

__version__ = "0.1.0"
