"""`python -m gui`: the same as `idcard-gui`."""

from gui.app import main

raise SystemExit(main())
