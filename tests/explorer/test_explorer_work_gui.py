#!/usr/bin/env python3
"""The explorer never leaves the user guessing (issue #12): the job list, costly-run prompts,
bounded trajectories, stop latency, divergence reports, real key presses and typed values
(xdotool on the Xvfb display), and a layout where no control is clipped at 800x500.

usage: test_explorer_work_gui.py SHORTRUN_EXPLORER FIXTURE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

import test_explorer_gui as base  # reads and removes argv[1:4]
from test_explorer_gui import ExplorerRun, dump, shot, wait

EXPLORER, WORK = base.EXPLORER, base.WORK


def press(button):
    return {"do": "press", "button": button}


def setc(control, value):
    return {"do": "set", "control": control, "value": value}


class ExplorerWork(unittest.TestCase):
    def test_a_prompt_whose_settings_changed_since_closes_and_the_new_ones_run(self):
        # A script (or a shortcut) changing the settings under an open prompt: its question is
        # stale, so it closes and the cheap settings run (on any CPU, however slow).
        r = ExplorerRun("stale_prompt", [
            wait("sampler"), dump("first.json"), setc("steps", 100000), wait("prompt"),
            setc("steps", 12), setc("chains", 9), wait("sampler"), wait("frames", frames=2), dump("after.json"),
        ])
        first, after = r.state("first.json"), r.state("after.json")
        self.assertFalse(after["cost_prompt"]["open"])
        c = after["chains"]
        self.assertEqual((c["steps"], c["n"], c["ready"]), (12, 9, 13))
        self.assertGreater(c["run"], first["chains"]["run"])

    def test_job_list_prompt_queue_stop_and_bounded_trajectory(self):
        r = ExplorerRun("jobs", [
            wait("sampler"), dump("first.json"),
            # K = 100,000: priced from the measured rate, it asks first; "no" keeps the run.
            setc("steps", 100000), wait("prompt"), dump("prompt.json"), press("decline_run"),
            wait("frames", frames=3), dump("declined.json"),
            setc("steps", 100000), wait("prompt"), press("confirm_run"),
            {**wait("job"), "kind": "sample", "done": 3},
            # A reconstruction is priced as every job is (issue 23): at a rate set low it asks first.
            setc("chain_rate_for_test", 10.0), press("reconstruct"), wait("prompt"), press("confirm_run"),
            wait("frames", frames=3), dump("jobs.json"), *shot("jobs.png"),
            # Stopping the chains lets the queued reconstruction run (K = 100,000 too: stopped).
            press("stop_first_job"), {**wait("job"), "kind": "reconstruction", "done": 0}, dump("next.json"),
            press("stop_all"), wait("idle"), dump("after.json"),
        ])
        first, prompt, declined = r.state("first.json"), r.state("prompt.json"), r.state("declined.json")
        self.assertGreater(first["chain_rate"], 0)
        p = prompt["cost_prompt"]
        self.assertTrue(p["open"])
        self.assertGreater(p["seconds"], 10)
        self.assertGreater(p["stride"], 1)  # the kept images are bounded
        self.assertLessEqual(p["bytes"], 1 << 30)
        self.assertFalse(declined["cost_prompt"]["open"])
        self.assertEqual(declined["sampler"]["steps"], first["sampler"]["steps"])
        self.assertEqual(declined["chains"]["run"], first["chains"]["run"])  # no run was started
        jobs = r.state("jobs.json")
        j0, j1 = jobs["jobs"][0], jobs["jobs"][1]
        self.assertEqual((j0["kind"], j0["state"], j0["unit"], j0["total"]), ("sample", "running", "step", 100000))
        self.assertGreaterEqual(j0["done"], 3)
        self.assertGreater(j0["eta_s"], 10)
        self.assertIn("left", j0["text"])
        self.assertEqual((j1["kind"], j1["state"]), ("reconstruction", "queued"))
        self.assertIn("+1 queued", jobs["status_line"])
        self.assertGreater(jobs["chains"]["stride"], 1)
        nxt = r.state("next.json")
        self.assertEqual((nxt["jobs"][0]["kind"], nxt["jobs"][0]["state"]), ("reconstruction", "running"))
        self.assertEqual(nxt["jobs"][0]["unit"], "iteration")
        after = r.state("after.json")
        self.assertTrue(after["chains"]["cancelled"])
        self.assertTrue(after["reconstruct"]["run"]["cancelled"])
        self.assertEqual(after["jobs"], [])
        base.ExplorerGui.assert_not_blank(self, r.image("jobs.png"), "job list screenshot")

    def test_stop_lands_within_the_first_reconstruction_iteration(self):
        # K = 4000: one iteration is 4000 network evaluations forward, seconds on this CPU.
        r = ExplorerRun("stop", [
            wait("sampler"), setc("steps", 4000), wait("frames", frames=2), press("confirm_run"),
            wait("frames", frames=2), press("stop_all"), wait("idle"),
            setc("tab", "reconstruct"), {"do": "stroke", "points": [[8, 8], [20, 20]], "radius": 2, "value": 1.0},
            setc("recon_iters", 3), setc("chain_rate_for_test", 10.0), press("reconstruct"), wait("prompt"),
            press("confirm_run"), {**wait("job"), "kind": "reconstruction", "done": 0},
            wait("frames", frames=10), *shot("running.png"), dump("running.json"),
            press("stop_reconstruction"), dump("stop.json"), wait("idle"), dump("stopped.json"),
        ])
        running, stop, stopped = r.state("running.json"), r.state("stop.json"), r.state("stopped.json")
        self.assertEqual(running["reconstruct"]["run"]["done"], 0)
        rc = stopped["reconstruct"]["run"]
        self.assertTrue(rc["cancelled"])
        self.assertEqual(rc["done"], 0, "the stop waited for the iteration to end")
        latency = stopped["t"] - stop["t"]
        self.assertLess(latency, 2.0, f"stop took {latency:.2f} s")

    def test_diverged_chains_are_counted_and_named(self):
        r = ExplorerRun("diverge", [
            wait("sampler"), setc("clamp", False), setc("noise_std", 3e38), wait("sampler"),
            setc("step", 9999), *shot("diverged.png"), dump(),
            # The case: step size 1e38 keeps x finite (~1e37) while f overflows to NaN.
            setc("noise_std", 0.01), setc("step_size", 1e38), wait("sampler"), dump("step.json"),
        ])
        c = r.state()["chains"]
        self.assertEqual(c["diverged"], c["n"])
        self.assertEqual(c["first_divergence"], 1)
        self.assertIn(f"{c['n']} of {c['n']} chains diverged", c["divergence_note"])
        c = r.state("step.json")["chains"]
        self.assertGreater(c["diverged"], 0)
        self.assertGreaterEqual(c["first_divergence"], 1)
        self.assertIn("diverged", c["divergence_note"])

    def test_a_stuck_job_is_reported_and_the_worker_can_be_abandoned(self):
        model = os.path.join(base.FIX, "minimal.pth")
        r = ExplorerRun("stuck", [
            wait("sampler"), press("stuck_job_for_test"), wait("frames", frames=5), press("stop_all"),
            wait("frames", frames=5), dump("cancelling.json"),
            {"do": "wait", "for": "stuck", "timeout_s": 60}, *shot("stuck.png"), dump("stuck.json"),
            press("abandon_worker"), wait("frames", frames=3), dump("abandoned.json"),
            {"do": "drop_file", "path": model}, wait("model"), wait("sampler"), dump("after.json"),
        ])
        c = r.state("cancelling.json")
        self.assertEqual(c["jobs"][0]["state"], "cancelling")
        self.assertTrue(r.state("stuck.json")["stuck"])
        a = r.state("abandoned.json")
        self.assertEqual(a["jobs"], [])
        self.assertIn("left behind", a["model_error"])
        after = r.state("after.json")
        self.assertTrue(after["chains"]["finished"])
        self.assertEqual(after["abandoned_workers"], 1)

    def test_layout_fits_800x500_with_no_control_clipped(self):
        tabs = ("chains", "interpolation", "reconstruct", "long_run", "sweep", "ood", "compare", "training", "runs", "toy2d")
        actions = [wait("sampler"), {"do": "click_chain", "index": 2}]
        for tab in tabs:
            actions += [setc("tab", tab), wait("frames", frames=4), dump(f"{tab}.json"), *shot(f"{tab}.png")]
        actions += [setc("help", True), wait("frames", frames=4), *shot("help.png"), dump("help.json")]
        r = ExplorerRun("small", actions, extra=["--size", "800x500"])
        for tab in (*tabs, "help"):
            s = r.state(f"{tab}.json")
            self.assertEqual(s["window"], [800, 500])
            # The sidebar leaves the tabs room: 30% of a narrow window until its edge is dragged.
            self.assertLessEqual(s["sidebar_width"], 241)
            titles = [it for it in s["layout"] if it["limit_w"] > 0]
            if tab in ("chains", "toy2d"):
                self.assertGreaterEqual(len(titles), 2, tab)
            for it in titles:  # a plot's title wraps within its plot's width
                self.assertLessEqual(it["rect"][2] - it["rect"][0], it["limit_w"] + 1, f"{tab}: {it['tip']}")
            self.assertEqual([it["tip"] for it in s["layout"] if it["disabled"] and not it["why"]], [], tab)
            items = s["layout"]
            self.assertGreater(len(items), 20, tab)
            base.assert_controls_reachable(self, items, tab, viewport=(800, 500))
            base.ExplorerGui.assert_not_blank(self, r.image(f"{tab}.png"), tab)


@unittest.skipUnless(shutil.which("xdotool"), "xdotool is not installed (apt-get install xdotool)")
class RealInput(unittest.TestCase):
    """Real X events from xdotool into an explorer on its own Xvfb display."""

    def run_with_events(self, name, send, extra_actions=(), pre_actions=()):
        d = os.path.join(WORK, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        # Xvfb picks a free display itself and writes its number to a pipe (-displayfd), so this
        # never collides with the xvfb-run servers of tests running in parallel.
        rfd, wfd = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(wfd,))
        os.close(wfd)
        with os.fdopen(rfd) as f:
            number = f.readline().strip()
        self.assertTrue(number.isdigit(), "Xvfb did not start")
        display = f":{number}"
        env = dict(os.environ, DISPLAY=display)
        try:
            actions = [wait("sampler"), setc("playing", False), setc("step", 3), wait("frames", frames=3), *pre_actions,
                       dump("ready.json"), {"do": "wait", "for": "file", "path": "go", "timeout_s": 120},
                       {"do": "wait", "for": "input", "timeout_s": 120}, wait("frames", frames=5), dump("after.json"),
                       *extra_actions]
            with open(os.path.join(d, "actions.json"), "w") as f:
                json.dump(actions, f)
            app = subprocess.Popen([EXPLORER, "--script", "actions.json", "--config-dir", "none", "--threads", "1",
                                    "--size", "1280x800"], cwd=d, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            ready = os.path.join(d, "ready.json")
            deadline = time.time() + 300
            while not os.path.exists(ready) and app.poll() is None and time.time() < deadline:
                time.sleep(0.1)
            self.assertTrue(os.path.exists(ready), app.stderr.read() if app.poll() is not None else "timed out")
            with open(ready) as f:
                state = json.load(f)
            xdo = lambda *a: subprocess.run(["xdotool", *a], env=env, check=True, capture_output=True)
            xdo("mousemove", "640", "400")
            send(xdo, state)
            time.sleep(1.0)
            open(os.path.join(d, "go"), "w").close()
            out, err = app.communicate(timeout=300)
            self.assertEqual(app.returncode, 0, err)
            with open(os.path.join(d, "after.json")) as f:
                return state, json.load(f)
        finally:
            xvfb.terminate()
            xvfb.wait()

    def test_five_quick_right_presses_move_five_steps(self):
        def send(xdo, state):
            xdo("key", "--delay", "12", "Right", "Right", "Right", "Right", "Right")
        before, after = self.run_with_events("keys", send)
        self.assertEqual(before["view"]["step"], 3)
        self.assertEqual(after["view"]["step"], 8)

    def test_a_typed_k_starts_one_run_on_enter(self):
        def send(xdo, state):
            slider = next(it for it in state["layout"] if it["tip"].startswith("Langevin steps per chain"))
            x0, y0, x1, y1 = slider["rect"]
            xdo("mousemove", str(int((x0 + x1) / 2)), str(int((y0 + y1) / 2)))
            xdo("keydown", "ctrl")
            xdo("click", "1")
            xdo("keyup", "ctrl")
            xdo("key", "--delay", "40", "ctrl+a")
            xdo("type", "--delay", "60", "100000")
            time.sleep(0.5)
            xdo("key", "Return")
        before, after = self.run_with_events("typed", send)
        # No run per digit: the chains shown are still the first run's, and K = 100000 waits
        # for a yes (priced at well over 10 s on any CPU).
        self.assertEqual(after["chains"]["run"], before["chains"]["run"])
        self.assertTrue(after["cost_prompt"]["open"], after["cost_prompt"])
        self.assertEqual(after["sampler"]["steps"], 100000)
        self.assertFalse(after["typing"])

    def test_a_second_click_lands_on_the_same_control_while_jobs_come_and_go(self):
        """Issue 23 section 2: seed "+" clicked twice 0.8 s apart; the first click's run grew the job
        list at the top of the sidebar, which pushed the controls down, and the second click landed
        on noise std. A job is kept running (busy_job_for_test) so the first click's run waits in
        the queue: the list is longer at the second click, and nothing may have moved."""
        def send(xdo, state):
            seed = next(it for it in state["layout"] if it["tip"].startswith("noise seed"))
            x0, y0, x1, y1 = seed["rect"]
            frame = y1 - y0
            plus = (int(x0 + 150 - frame / 2), int((y0 + y1) / 2))  # InputInt's "+" at the frame's right end
            xdo("mousemove", str(plus[0]), str(plus[1]))
            xdo("click", "1")
            time.sleep(0.8)
            xdo("click", "1")
        before, after = self.run_with_events("same_control", send, pre_actions=[press("busy_job_for_test"), wait("frames", frames=3)],
                                             extra_actions=[press("stop_all"), wait("idle")])
        self.assertEqual(len(before["jobs"]), 1, before["jobs"])
        self.assertGreaterEqual(len(after["jobs"]), 2, after["jobs"])  # the clicked run waits behind the busy job
        self.assertEqual(after["sampler"]["seed"], before["sampler"]["seed"] + 2)
        self.assertEqual(after["sampler"]["noise_std"], before["sampler"]["noise_std"])
        self.assertEqual(after["sampler"]["steps"], before["sampler"]["steps"])
        # Every sidebar control is where it was.
        where = lambda s: [it["rect"] for it in s["layout"] if it["window"].startswith("Shortrun/controls")]
        self.assertGreater(len(where(before)), 10)
        self.assertEqual(where(after), where(before))

    def test_the_sidebar_edge_drags_after_clicks_in_the_sidebar_and_the_main_panel(self):
        """Issue 23 (6): the sidebar's resize edge did not respond after a click in the sidebar and
        one in the main panel. The edge is a window of its own, and ImGui had put it behind the main
        panel. A real drag: button down on the edge, four 10-px moves a few frames apart, button up."""
        def send(xdo, state):
            for x, y in ((200, 192), (1200, 18), (400, 18)):  # sidebar card text, empty tab bar, the Chains tab
                xdo("mousemove", str(x), str(y))
                time.sleep(0.2)
                xdo("click", "1")
                time.sleep(0.3)
            edge = int(state["sidebar_width"])
            xdo("mousemove", str(edge), "420")
            time.sleep(0.3)
            xdo("mousedown", "1")
            time.sleep(0.2)
            for i in range(1, 5):
                xdo("mousemove", str(edge + 10 * i), "420")
                time.sleep(0.1)
            time.sleep(0.2)
            xdo("mouseup", "1")
        before, after = self.run_with_events("sidebar_edge", send)
        self.assertEqual(before["sidebar_width"], 330)
        self.assertEqual(after["pointer"]["hovered_window"], "##sidebar_edge")
        self.assertAlmostEqual(after["sidebar_width"], 370, delta=2)
        self.assertEqual(after["tab"], "chains")

    def test_a_bad_k_list_keeps_its_text_and_says_why(self):
        """Issue 23 (16): K x step's K field typed "10,abc,-5" + Enter gave an error, but the field
        reverted to the old list and the typing was lost."""
        def send(xdo, state):
            field = next(it for it in state["layout"] if it["tip"].startswith("comma-separated numbers of Langevin"))
            x0, y0, x1, y1 = field["rect"]
            xdo("mousemove", str(int(x0 + 40)), str(int((y0 + y1) / 2)))
            xdo("click", "1")
            xdo("key", "--delay", "40", "ctrl+a")
            xdo("type", "--delay", "50", "10,abc,-5")
            xdo("key", "Return")
        before, after = self.run_with_events("bad_list", send, pre_actions=[setc("tab", "sweep"), wait("frames", frames=3)])
        b, a = before["views"]["sweep"], after["views"]["sweep"]
        self.assertEqual(a["steps_field"], "10,abc,-5")
        self.assertIn("abc", a["steps_error"])
        self.assertEqual(a["steps"], b["steps"])  # the list in use is unchanged
        self.assertIn("abc", after["errors"][-1])

    def test_ctrl_s_sent_within_a_millisecond_is_seen_every_time(self):
        """Issue 23 (8): a two-key shortcut whose four events arrive within ~1 ms (a script, a fast
        typist) was dropped, where single keys were all counted. Three Ctrl+S: three grid exports."""
        def send(xdo, state):
            for _ in range(3):
                xdo("key", "--delay", "1", "ctrl+s")
                time.sleep(0.3)
        _, after = self.run_with_events("ctrl_s", send, pre_actions=[setc("export_folder", "out")], extra_actions=[wait("idle")])
        out = os.path.join(WORK, "ctrl_s", "out")
        pngs = [f for f in os.listdir(out) if f.endswith(".png")] if os.path.isdir(out) else []
        self.assertEqual(len(pngs), 3, pngs)

    def test_the_pinned_step_says_so_and_the_heatmap_follows_the_wheel(self):
        """Issue 23 (9): on the pinned step itself the diff said "no image kept for that step"
        (every step is kept); the wheel zoomed the enlarged chain but not its heatmap."""
        def send(xdo, state):
            img = next(it for it in state["layout"] if it["tip"].startswith("x at the shown step"))
            x0, y0, x1, y1 = img["rect"]
            xdo("mousemove", str(int((x0 + x1) / 2)), str(int((y0 + y1) / 2)))
            time.sleep(0.2)
            for _ in range(3):
                xdo("click", "4")  # wheel up
                time.sleep(0.15)
        before, after = self.run_with_events("pinned", send, pre_actions=[
            {"do": "click_chain", "index": 2}, setc("diff_pinned", True), setc("pin_step", 3), wait("frames", frames=3)])
        self.assertEqual(before["inspector"]["pinned"], 3)
        self.assertEqual(before["view"]["step"], 3)
        self.assertIn("this is the pinned step", before["inspector"]["heat_note"])
        self.assertGreater(after["inspector"]["zoom"], 1.5)
        self.assertEqual(after["inspector"]["heat_zoom"], after["inspector"]["zoom"])


class DisabledControlsSayWhy(unittest.TestCase):
    """Issue 23 (10): a disabled control has a tooltip that says why it is disabled."""

    def test_every_disabling_scope_gives_a_reason(self):
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "app", "explorer")
        raw = []
        for name in sorted(os.listdir(src)):
            if not name.endswith((".cpp", ".h")) or name.startswith("disabled_why"):
                continue
            with open(os.path.join(src, name)) as f:
                for n, line in enumerate(f, 1):
                    if "BeginDisabled(" in line or "ItemFlags_Disabled" in line and "LastItemData" not in line:
                        raw.append(f"{name}:{n}: {line.strip()}")
        self.assertEqual(raw, [], "disable controls with DisabledWhy (disabled_why.h), which carries the reason")

    @unittest.skipUnless(shutil.which("xdotool"), "xdotool is not installed (apt-get install xdotool)")
    def test_hovering_a_stopped_reconstructions_show_its_chain_says_why(self):
        def send(xdo, state):
            show = next(it for it in state["layout"] if it["tip"].startswith("sample the chain from the inferred z"))
            x0, y0, x1, y1 = show["rect"]
            xdo("mousemove", str(int((x0 + x1) / 2)), str(int((y0 + y1) / 2)))
        before, after = RealInput().run_with_events("hover_disabled", send, pre_actions=[
            setc("tab", "reconstruct"), {"do": "stroke", "points": [[8, 8], [20, 20]], "radius": 2, "value": 1.0},
            setc("recon_iters", 100), setc("chain_rate_for_test", 10.0), press("reconstruct"), wait("prompt"),
            press("confirm_run"), {**wait("job"), "kind": "reconstruction", "done": 0}, press("stop_reconstruction"),
            wait("idle"), wait("frames", frames=3)])
        self.assertTrue(before["reconstruct"]["run"]["cancelled"])
        show = next(it for it in before["layout"] if it["tip"].startswith("sample the chain from the inferred z"))
        self.assertTrue(show["disabled"])
        self.assertIn("stopped before it finished", show["why"])
        self.assertIn("Disabled: this reconstruction was stopped before it finished", after["hovered_tip"])
        # Every disabled control on the tab and in the sidebar says why.
        for s in (before, after):
            self.assertEqual([it["tip"] for it in s["layout"] if it["disabled"] and not it["why"]], [])
        self.assertGreaterEqual(sum(it["disabled"] for it in before["layout"]), 3)  # Stop, Show its chain, stop all


if __name__ == "__main__":
    unittest.main(verbosity=2)
