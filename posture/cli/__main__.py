"""``python -m posture.cli``: the same as the ``posture`` command."""

from posture.cli.commands import main

raise SystemExit(main())
