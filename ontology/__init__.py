"""Packaged data: ontology (read through clausegraph.engine.resources)."""
