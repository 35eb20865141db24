"""OSCAL interchange (NIST Open Security Controls Assessment Language, JSON): catalogs, mapping collections and
assessment results written from the graph, and OSCAL catalogs read in as new frameworks."""
from .assessment import export_assessment_results
from .catalog import export_catalog
from .common import OSCAL_VERSION, dumps
from .importer import AddedFramework, add_framework, read_catalog, read_catalog_file
from .mapping import export_mapping

__all__ = ["OSCAL_VERSION", "AddedFramework", "add_framework", "dumps", "export_assessment_results",
           "export_catalog", "export_mapping", "read_catalog", "read_catalog_file"]
