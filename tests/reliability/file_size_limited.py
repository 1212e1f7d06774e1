"""Run a command under a file size limit: ``python file_size_limited.py BYTES COMMAND [ARG...]``.

SIGXFSZ is ignored first (an ignored signal stays ignored across ``exec``), so a write past the
limit fails with EFBIG, an error the program must handle, instead of killing it.
"""

from __future__ import annotations

import os
import resource
import signal
import sys


def main() -> None:
    limit, command = int(sys.argv[1]), sys.argv[2:]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    os.execv(command[0], command)  # noqa: S606  (exec keeps the limit and the ignored signal)


if __name__ == "__main__":
    main()
