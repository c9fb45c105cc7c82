"""Background work: the Dramatiq actors and brokers, the worker's lifespan, periodic jobs."""
