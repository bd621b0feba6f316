"""`python -m jupyter_mlops.run.worker RUN_ID`: execute one queued run in its own process.

The server and the scheduler start runs this way, so a notebook that crashes its kernel or
exhausts memory never takes them down; cancelling a run is a SIGTERM to this process.
"""

from __future__ import annotations

import sys

from ..startup import skip_exit_collections, skip_unused_format_checkers
from .cancel import cancel_on_sigterm


def main(argv: list[str] | None = None) -> int:
    # The handler goes in before the heavy imports: a cancel may come while the worker starts.
    cancel_on_sigterm()
    skip_unused_format_checkers()
    from ..store import runs as run_store
    from .executor import execute_run

    run_id = (argv or sys.argv[1:])[0]
    queued = run_store.get_run(run_id)
    if queued.spec.notify is not None:  # a single run with channels: this process tells, then exits
        from ..notify.events import execute_notified

        run = execute_notified(queued, lambda: execute_run(run_id))
    else:
        run = execute_run(run_id)
    skip_exit_collections()
    return 0 if run.status.value == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
