"""``python -m portal.worker`` with the portal's clock that many seconds ahead (the first
argument): a worker started "after" Salesforce's request time limit has passed, which may look
up a dead worker's unanswered writes.

Everything else comes from the environment, as for the real command.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from portal.adapters.clock import ShiftedClock
from portal.worker.__main__ import main

if __name__ == "__main__":
    clock = ShiftedClock()
    clock.advance(timedelta(seconds=float(sys.argv[1])))
    sys.exit(main([], clock=clock))
