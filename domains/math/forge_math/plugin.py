"""Plugin module for the 'math' domain (placeholder until the domain lands)."""
