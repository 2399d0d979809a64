import sys

from services.cli import main  # the command line is a door: it calls the services

sys.exit(main())
