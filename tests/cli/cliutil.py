"""Helpers shared by the CLI test scripts."""
import subprocess


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
