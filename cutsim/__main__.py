"""``python -m cutsim`` runs the command line."""

import sys

from cutsim.cli import main

sys.exit(main())
