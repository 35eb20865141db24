"""clausegraph test suite."""
