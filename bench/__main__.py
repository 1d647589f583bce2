"""`python -m bench [NAME ...]`: run the benchmarks (all by default) and update results.md."""

from __future__ import annotations

import sys

from bench import backends, lag, reads, rebuild, restart, streams, webhooks, write_path

BENCHMARKS = {
    "write-path": write_path.run,
    "rebuild": rebuild.run,
    "projection-lag": lag.run,
    "as-of-reads": reads.run,
    "streams": streams.run,
    "backends": backends.run,
    "restart": restart.run,
    "webhooks": webhooks.run,
}


def main(names: list[str]) -> None:
    for name in names or list(BENCHMARKS):
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        print(f"== {name}", flush=True)
        BENCHMARKS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
