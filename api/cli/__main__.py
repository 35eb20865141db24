"""``python -m clausegraph.api.cli``."""
import sys

from . import main

sys.exit(main())
