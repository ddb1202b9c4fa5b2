"""Real local peers of outside services for tests: servers on loopback that speak the protocol."""
