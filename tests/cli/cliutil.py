"""Helpers shared by the CLI test scripts."""


def assert_one_line_error(test, run, args, *fragments):
    """`run(*args, expect=1)` must fail with exactly one stderr line containing every fragment."""
    p = run(*args, expect=1)
    lines = p.stderr.strip().splitlines()
    test.assertEqual(len(lines), 1, p.stderr)
    for f in fragments:
        test.assertIn(f, lines[0])
