"""Plugin module for the 'sql' domain (placeholder until the domain lands)."""
