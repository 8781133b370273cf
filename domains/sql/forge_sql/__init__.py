"""forge's built-in 'sql' domain, registered through the 'forge' entry-point group."""
