"""Imported once by the workers' forkserver (publish/helper.py) before it forks any worker: the modules
named in PUBLISH_WARM_UP, so every job starts with them loaded.

A module that fails to import here (a missing system library, say) is skipped: the job that needs it
raises the same error in its own worker, where the build reports it; the forkserver itself must live.
"""

import importlib
import os

for _name in os.environ.get("PUBLISH_WARM_UP", "").split():  # helper.WARM_UP_ENVIRONMENT
    try:
        importlib.import_module(_name)
    except Exception:  # noqa: BLE001, S110 - see the module's docstring
        pass
