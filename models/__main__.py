import sys

from services.cli import models_main  # the command line is a door: it calls the services

sys.exit(models_main())
