"""`python -m lib.cli`"""

from lib.cli import main

raise SystemExit(main())
