"""forge's built-in 'code' domain, registered through the 'forge' entry-point group."""
