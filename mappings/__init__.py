"""Packaged data: mappings (read through clausegraph.engine.resources)."""
