"""`python -m jupyter_mlops.batch.worker BATCH_ID`: execute a recorded batch in its own process.

The REST API starts batches this way, so a batch outlives no request and crashes nothing;
SIGTERM cancels it like Ctrl-C does on the command line.
"""

from __future__ import annotations

import signal
import sys

from .runner import run_batch


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    batch_id = (argv or sys.argv[1:])[0]
    signal.signal(signal.SIGTERM, _interrupt)
    batch = run_batch(batch_id)
    return 0 if batch.status.value == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
