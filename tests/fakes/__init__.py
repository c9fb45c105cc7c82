"""In-memory test doubles of the ports: units of work, a store, a clock, subscribers."""
