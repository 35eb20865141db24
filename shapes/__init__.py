"""Packaged data: shapes (read through clausegraph.engine.resources)."""
