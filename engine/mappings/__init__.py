"""Crosswalks: SSSOM reading/writing, the relation algebra, chaining and checks."""
