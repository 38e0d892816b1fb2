"""Helpers shared by the CLI test scripts."""


def assert_one_line_error(test, run, args, *fragments, expect=1):
    """`run(*args, expect=expect)` must fail with exactly one stderr line containing every fragment
    (expect=2: a usage error)."""
    p = run(*args, expect=expect)
    lines = p.stderr.strip().splitlines()
    test.assertEqual(len(lines), 1, p.stderr)
    for f in fragments:
        test.assertIn(f, lines[0])
