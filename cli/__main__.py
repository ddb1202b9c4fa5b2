"""``python -m cli`` runs the ``hamrah`` command."""

import sys

from cli.main import main

sys.exit(main())
