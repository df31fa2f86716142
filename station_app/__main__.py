"""Allow `python -m station_app`."""

import sys

from station_app.cli import main

sys.exit(main())
