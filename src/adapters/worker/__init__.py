"""Background work: task handlers, the in-process and Dramatiq workers, periodic jobs."""
