#!/usr/bin/env python3
"""Drive a vasdom binary as a frontend does: one process kept open, a line
written, its reply read, stdin left open. For tests/0140-coprocess.t.

coproc.py SCRIPT -- CMD...: SCRIPT holds steps, one a line:
  send TEXT        write TEXT and a newline to the process (not closed)
  expect SECONDS   read one reply line within SECONDS; print it with the
                   time it took ("<seconds> <line>"); none in time: print
                   "timeout" and stop
  run SHELL        run a shell command to its end (another process)
The process is closed (stdin EOF) at the end and its exit status printed.
"""
import select, subprocess, sys, time

sep = sys.argv.index("--")
steps = open(sys.argv[1]).read().splitlines()
p = subprocess.Popen(sys.argv[sep + 1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
buf = b""
for step in steps:
    verb, _, arg = step.partition(" ")
    if verb == "send":
        p.stdin.write(arg.encode() + b"\n")
        p.stdin.flush()
        t0 = time.monotonic()
    elif verb == "expect":
        deadline = t0 + float(arg)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
                break
            chunk = p.stdout.read1(65536)
            if not chunk:
                break
            buf += chunk
        if b"\n" not in buf:
            print("timeout", flush=True)
            p.kill()
            sys.exit(1)
        line, _, buf = buf.partition(b"\n")
        print("%.3f %s" % (time.monotonic() - t0, line.decode()), flush=True)
    elif verb == "run":
        subprocess.run(arg, shell=True, check=True)
p.stdin.close()
p.wait()
print("exit", p.returncode)
