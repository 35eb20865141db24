"""Organisation registers: CSV folder, XLSX workbook or YAML file -> one validated model -> RDF."""
from __future__ import annotations

from .load import RegisterData, load_register

__all__ = ["RegisterData", "load_register"]
