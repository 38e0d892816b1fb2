#!/usr/bin/python3
"""Checks that includes only point down (issue 24), in core/ and in app/explorer/.

core: a file in a wing includes only its own wing's headers and those of the wings below it,
and every core file lives in a wing.
app/explorer: rooms shell > sidebar > views > display, widgets > worker; a file includes its own
room's headers and those of the rooms below. Inside views/, a view's folder (views/chains/, ...)
includes views/'s own headers and the shared rooms (SHARED_VIEW_ROOMS), never another view's
folder, so a new view touches nothing outside its folder but the list of views; views/'s own
files include no view folder. Only shell/ includes shell/explorer.h. No header reaches itself
through other headers (an include loop), in core or in app/explorer.
Prints each include that runs up (file:line) and exits 1 if there is one.

usage: check_layering.py REPO_ROOT"""
import os
import re
import sys

# Bottom to top. distributed (issue 27's c10d process group) sits under training, which calls it.
# toy2d, analysis and baselines (the VAE and GAN of issue 26) sit side by side: none may include
# another. generators (one interface for the EBM's chain, the VAE and the GAN) sits above
# analysis and baselines, adapting both.
CORE_WINGS = ["base", "io", "model", "sampling", "distributed", "training", ("analysis", "toy2d", "baselines"), "generators"]
# Bottom to top. display and widgets are side by side: neither includes the other.
EXPLORER_ROOMS = ["worker", ("display", "widgets"), "views", "sidebar", "shell"]
# Folders under views/ that several views share (what a run directory holds, read for the
# Training and Runs tabs); every other folder there is one view's own.
SHARED_VIEW_ROOMS = {"run_data"}


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
    app_checked = check_explorer(root, problems)
    check_loops(root, problems)
    for p in problems:
        print(p)
    print(f"check_layering: {checked} core files, {app_checked} explorer files, {len(problems)} problem(s)")
    return 1 if problems or checked == 0 or app_checked == 0 else 0


def check_loops(root, problems):
    """Include loops between headers: core's (shortrun/...) and app/explorer's (room/...)."""
    graph = {}
    local = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')
    roots = {"core/include": "", "app/explorer": ""}
    for top in roots:
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            for name in files:
                if not name.endswith(".h"):
                    continue
                key = os.path.relpath(os.path.join(dirpath, name), base)
                with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                    graph[key] = [m.group(1) for m in map(local.match, fh) if m]
    for key in graph:
        graph[key] = [t for t in graph[key] if t in graph]
    state = {}  # 1: on the path, 2: done

    def visit(node, path):
        state[node] = 1
        path.append(node)
        for t in graph[node]:
            if state.get(t) == 1:
                loop = path[path.index(t):] + [t]
                problems.append("include loop: " + " -> ".join(loop))
            elif t not in state:
                visit(t, path)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def check_explorer(root, problems):
    rank = ranks(EXPLORER_ROOMS)
    base = os.path.join(root, "app/explorer")
    local = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
    checked = 0
    for dirpath, _, files in os.walk(base):
        rel = os.path.relpath(dirpath, base)
        parts = [] if rel == "." else rel.split(os.sep)
        for name in files:
            if not re.search(r"\.(h|cpp)$", name):
                continue
            path = os.path.join("app/explorer", rel, name) if parts else os.path.join("app/explorer", name)
            if not parts or parts[0] not in rank:
                problems.append(f"{path}: not in a room (expected one of {', '.join(sorted(rank))})")
                continue
            room, sub = parts[0], (parts[1] if len(parts) > 1 else None)
            checked += 1
            with open(os.path.join(root, path), encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    m = local.match(line)
                    if not m or m.group(1).startswith("shortrun/"):
                        continue
                    target = m.group(1).split("/")
                    troom = target[0]
                    tsub = target[1] if len(target) > 2 else None
                    if troom not in rank and not os.path.exists(os.path.join(base, m.group(1))):
                        continue  # another library's header (app/cli's toy run, ImGui's backends)
                    if troom not in rank:
                        problems.append(f"{path}:{n}: includes '{m.group(1)}', which is in no room")
                    elif rank[troom] > rank[room] or (rank[troom] == rank[room] and troom != room):
                        problems.append(f"{path}:{n}: {room} includes {m.group(1)}, which is above or beside it")
                    elif room == troom == "views" and tsub and tsub != sub and tsub not in SHARED_VIEW_ROOMS:
                        who = f"views/{sub}" if sub else "views/'s own files"
                        problems.append(f"{path}:{n}: {who} includes {m.group(1)}, another view's folder")
                    elif m.group(1) == "shell/explorer.h" and room != "shell":
                        problems.append(f"{path}:{n}: only shell/ includes shell/explorer.h")
    return checked


if __name__ == "__main__":
    sys.exit(main())
