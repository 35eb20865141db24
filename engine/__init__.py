"""clausegraph engine: stores, references, build, questions and the CLI."""
