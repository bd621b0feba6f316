"""`python -m jupyter_mlops.batch.worker BATCH_ID`: execute a recorded batch in its own process.

The REST API starts batches this way, so a batch outlives no request and crashes nothing;
SIGTERM (what `cancel_batch` sends) cancels it like Ctrl-C does on the command line.
"""

from __future__ import annotations

import sys

from ..run.cancel import cancel_on_sigterm
from ..startup import skip_exit_collections, skip_unused_format_checkers


def main(argv: list[str] | None = None) -> int:
    # The handler goes in before the heavy imports: a cancel may come while the worker starts.
    cancel_on_sigterm()
    skip_unused_format_checkers()
    from .model import BatchStatus
    from .runner import run_batch
    from .store import get_batch

    batch_id = (argv or sys.argv[1:])[0]
    if get_batch(batch_id).status == BatchStatus.cancelled:
        return 1  # cancelled before this worker got to it: nothing to run
    batch = run_batch(batch_id)
    skip_exit_collections()
    return 0 if batch.status == BatchStatus.succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
