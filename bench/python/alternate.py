#!/usr/bin/env python3
"""Alternates two timing servers call by call and prints the medians and their ratio.

A timing server is a command that prints "ready" once loaded and warmed up, then answers each line
"run" on its standard input with the wall and CPU seconds of one call (bench/EditToAudio.Bench's `network-time
... --serve` is one). Alternating call by call makes the two see the same machine load, which on a
shared machine matters more than anything else.
usage: alternate.py --rounds N -- COMMAND_A... -- COMMAND_B...
e.g.   alternate.py --rounds 5 -- dotnet EditToAudio.Bench.dll network-time SET unet N=6 T=256 --serve \\
                               -- dotnet EditToAudio.Bench.dll network-time SET unet N=6 T=256 --serve --memory-pattern
"""
import statistics
import subprocess
import sys


class TimingServer:
    """One timing server process; call() times one run."""

    def __init__(self, command):
        self.command = command
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        if line != "ready":
            self.close()
            raise RuntimeError(f"{' '.join(command)}: expected 'ready', got {line!r}")

    def call(self):
        """(wall seconds, CPU seconds) of one call."""
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        wall, cpu = self.process.stdout.readline().split()
        return float(wall), float(cpu)

    def close(self):
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


def alternate(first, second, rounds, report=None):
    """Times `first` and `second` (callables returning (wall, CPU) seconds) `rounds` times each,
    swapping which goes first every round; returns both lists."""
    a_times, b_times = [], []
    for round_ in range(rounds):
        if round_ % 2 == 0:
            a, b = first(), second()
        else:
            b, a = second(), first()
        a_times.append(a)
        b_times.append(b)
        if report:
            report(round_, a, b)
    return a_times, b_times


def main(argv):
    rounds = 5
    if argv[:1] == ["--rounds"]:
        rounds, argv = int(argv[1]), argv[2:]
    if argv[:1] != ["--"] or argv[1:].count("--") != 1:
        sys.exit(__doc__)
    split = argv.index("--", 1)
    a = TimingServer(argv[1:split])
    try:
        b = TimingServer(argv[split + 1:])
        try:
            a_times, b_times = alternate(a.call, b.call, rounds, lambda r, x, y: print(f"round {r + 1}: A {x[0]:.3f} s, B {y[0]:.3f} s", flush=True))
        finally:
            b.close()
    finally:
        a.close()
    ma, mb = statistics.median(t for t, _ in a_times), statistics.median(t for t, _ in b_times)
    ca, cb = statistics.median(c for _, c in a_times), statistics.median(c for _, c in b_times)
    print(f"median A {ma:.3f} s, B {mb:.3f} s, A/B {ma / mb:.3f}; CPU A {ca:.3f} s, B {cb:.3f} s ({rounds} rounds, alternating)")


if __name__ == "__main__":
    main(sys.argv[1:])
