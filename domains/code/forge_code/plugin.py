"""Plugin module for the 'code' domain (placeholder until the domain lands)."""
