"""`python -m gui`: the same as `idcard-gui`."""

from gui.launch import main

raise SystemExit(main())
