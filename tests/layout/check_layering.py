#!/usr/bin/python3
"""Checks that includes only point down between the wings of core/ (issue 24): a file in a wing
includes only its own wing's headers and those of the wings below it, and every core file lives
in a wing. Prints each include that runs up (file:line) and exits 1 if there is one.

usage: check_layering.py REPO_ROOT"""
import os
import re
import sys

# Bottom to top. toy2d, analysis and baselines (the VAE and GAN of issue 26) are all on top:
# none may include another.
CORE_WINGS = ["base", "io", "model", "sampling", "training", ("analysis", "toy2d", "baselines")]


def ranks(order):
    out = {}
    for level, entry in enumerate(order):
        for wing in (entry if isinstance(entry, tuple) else (entry,)):
            out[wing] = level
    return out


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    rank = ranks(CORE_WINGS)
    problems = []
    include = re.compile(r'^\s*#\s*include\s*[<"]shortrun/([a-z0-9_]+)/([a-z0-9_]+\.h)[>"]')
    flat = re.compile(r'^\s*#\s*include\s*[<"]shortrun/([a-z0-9_]+\.h)[>"]')
    checked = 0
    for top in ("core/include/shortrun", "core/src"):
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            rel = os.path.relpath(dirpath, base)
            wing = rel.split(os.sep)[0]
            for name in files:
                if not re.search(r"\.(h|cpp|cu|cpp\.in)$", name):
                    continue
                path = os.path.join(top, rel, name) if rel != "." else os.path.join(top, name)
                if wing not in rank:
                    problems.append(f"{path}: not in a wing (expected one of {', '.join(sorted(rank))})")
                    continue
                checked += 1
                with open(os.path.join(root, path), encoding="utf-8") as fh:
                    for n, line in enumerate(fh, 1):
                        if flat.match(line):
                            problems.append(f"{path}:{n}: includes a header outside the wings: {line.strip()}")
                        m = include.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target not in rank:
                            problems.append(f"{path}:{n}: includes an unknown wing '{target}'")
                        elif rank[target] > rank[wing] or (rank[target] == rank[wing] and target != wing):
                            problems.append(f"{path}:{n}: {wing} includes {target}/{m.group(2)}, which is above or beside it")
    for p in problems:
        print(p)
    print(f"check_layering: {checked} core files, {len(problems)} problem(s)")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
