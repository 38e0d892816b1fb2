"""Helpers shared by the CLI test scripts."""
import os
import subprocess
import tempfile
import time


def runner(shortrun, timeout=300):
    """run(*args, expect=0): runs `shortrun args`, failing with its output unless it exits `expect`."""
    def run(*args, expect=0):
        p = subprocess.run([shortrun, *args], capture_output=True, text=True, timeout=timeout)
        if p.returncode != expect:
            raise AssertionError(f"shortrun {' '.join(args)} exited {p.returncode}, expected {expect}\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p
    return run


def assert_one_line_error(test, run, args, *fragments, expect=1):
    """`run(*args, expect=expect)` must fail with exactly one stderr line containing every fragment
    (expect=2: a usage error)."""
    p = run(*args, expect=expect)
    lines = p.stderr.strip().splitlines()
    test.assertEqual(len(lines), 1, p.stderr)
    for f in fragments:
        test.assertIn(f, lines[0])


def run_measured(argv, env, timeout):
    """Runs argv to its end; returns (exit code, stdout bytes, stderr bytes, peak RSS bytes, seconds).
    The peak is the child's own ru_maxrss (os.wait4); past `timeout` it is killed and the test fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                p.kill()
                os.wait4(p.pid, 0)
                p.returncode = -1  # reaped here; keep Popen from waiting again
                raise AssertionError(f"{argv[0]} {argv[1:]} ran past {timeout} s (hang?)")
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        secs = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(), err.read(), usage.ru_maxrss * 1024, secs
