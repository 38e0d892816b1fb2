"""Real X input for the explorer's GUI tests: an explorer on its own Xvfb display, driven by a
script up to a "ready" state dump, then by xdotool events, then by the rest of the script.

    state, after = run_with_events(explorer, work_dir, before, send, after_actions, args)

`before` runs first and ends with ready.json dumped; `send(xdo, state)` gets the xdotool runner
and that state (its "layout" gives each control's rectangle); once it returns, the script waits
five frames, dumps after.json and runs `after_actions`. Xvfb picks a free display itself
(-displayfd), so parallel tests never collide.
"""
import json
import os
import shutil
import subprocess
import time


def centre(item):
    x0, y0, x1, y1 = item["rect"]
    return int((x0 + x1) / 2), int((y0 + y1) / 2)


def find(state, tip_start):
    """The control whose tooltip starts with `tip_start` in a state dump's layout."""
    for it in state["layout"]:
        if it["tip"].startswith(tip_start):
            return it
    raise AssertionError(f"no control with a tip starting {tip_start!r} in the layout")


def start_xvfb(size="1280x800"):
    rfd, wfd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(wfd,))
    os.close(wfd)
    with os.fdopen(rfd) as f:
        number = f.readline().strip()
    if not number.isdigit():
        xvfb.kill()
        raise AssertionError("Xvfb did not start")
    return xvfb, f":{number}"


def run_with_events(explorer, d, before, send, after_actions=(), args=(), size="1280x800", timeout=300):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    xvfb, display = start_xvfb(size)
    env = dict(os.environ, DISPLAY=display)
    try:
        actions = [*before, {"do": "dump_state", "path": "ready.json"},
                   {"do": "wait", "for": "file", "path": "go", "timeout_s": timeout},
                   {"do": "wait", "for": "input", "timeout_s": timeout}, {"do": "wait", "for": "frames", "frames": 5},
                   {"do": "dump_state", "path": "after.json"}, *after_actions]
        with open(os.path.join(d, "actions.json"), "w") as f:
            json.dump(actions, f)
        app = subprocess.Popen([explorer, "--script", "actions.json", "--config-dir", "none", "--threads", "1",
                                "--size", size, *args], cwd=d, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready = os.path.join(d, "ready.json")
        deadline = time.time() + timeout
        while not os.path.exists(ready) and app.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        if not os.path.exists(ready):
            app.kill()
            out, err = app.communicate()
            raise AssertionError(f"the explorer never got ready: {err}")
        with open(ready) as f:
            state = json.load(f)
        xdo = lambda *a: subprocess.run(["xdotool", *a], env=env, check=True, capture_output=True)
        xdo("mousemove", "4", str(int(size.split("x")[1]) - 4))
        send(xdo, state)
        time.sleep(1.0)
        open(os.path.join(d, "go"), "w").close()
        out, err = app.communicate(timeout=timeout)
        if app.returncode != 0:
            raise AssertionError(f"explorer exited {app.returncode}: {err}")
        with open(os.path.join(d, "after.json")) as f:
            return state, json.load(f)
    finally:
        xvfb.terminate()
        xvfb.wait()
