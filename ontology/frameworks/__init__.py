"""Packaged data: ontology/frameworks (read through clausegraph.engine.resources)."""
