"""forge's built-in 'math' domain, registered through the 'forge' entry-point group."""
