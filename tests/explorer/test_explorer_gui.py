#!/usr/bin/env python3
"""The explorer GUI end to end: the real shortrun-explorer under xvfb-run (Mesa's software GL),
driven by --script, checked through its state dumps and screenshots (content, not just size).

usage: test_explorer_gui.py SHORTRUN_EXPLORER FIXTURE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

import numpy as np
from PIL import Image

EXPLORER, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
SHORTRUN = os.path.join(os.path.dirname(EXPLORER), "shortrun")
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]


def fx(name):
    return os.path.join(FIX, name)


class ExplorerRun:
    """One explorer session: writes the script, runs it, loads the dumps."""

    def __init__(self, name, actions, model=None, extra=(), expect=0, xvfb=True, timeout=600, config=None, env=None):
        self.dir = os.path.join(WORK, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.script = os.path.join(self.dir, "actions.json")
        with open(self.script, "w") as f:
            json.dump(actions, f, indent=1)
        cmd = (XVFB if xvfb else []) + [EXPLORER, "--script", self.script, "--config-dir",
                                        config or os.path.join(self.dir, "config"), "--threads", "1", *extra]
        if model:
            cmd.insert(len(XVFB) + 1 if xvfb else 1, model)
        env = dict(os.environ, **(env or {}))
        if not xvfb:
            env.pop("DISPLAY", None)
            env.pop("WAYLAND_DISPLAY", None)
        self.proc = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, timeout=timeout, env=env)
        if self.proc.returncode != expect:
            raise AssertionError(f"{' '.join(cmd)} exited {self.proc.returncode}, expected {expect}\n"
                                 f"stdout: {self.proc.stdout}\nstderr: {self.proc.stderr}")

    def path(self, name):
        return os.path.join(self.dir, name)

    def state(self, name="state.json"):
        with open(self.path(name)) as f:
            return json.load(f)

    def image(self, name):
        return np.asarray(Image.open(self.path(name)).convert("RGB")).astype(np.float32)


def wait(what, **kw):
    return {"do": "wait", "for": what, "timeout_s": 300, **kw}


def dump(name="state.json"):
    return {"do": "dump_state", "path": name}


def shot(name):
    return [wait("frames", frames=3), {"do": "screenshot", "path": name}, wait("frames", frames=2)]


def assert_controls_reachable(test, items, label, viewport=None):
    """Every control of a state dump's `layout` in reach: none past its window's left or right edge
    (ImGui does not scroll sideways), one below its window's bottom only where the window scrolls;
    with viewport=(w, h), every window inside it too."""
    for it in items:
        x0, y0, x1, y1 = it["rect"]
        wx0, wy0, wx1, wy1 = it["window_rect"]
        where = f"{label}: '{it['tip']}' in {it['window']} at {it['rect']} (window {it['window_rect']})"
        if viewport:
            test.assertGreaterEqual(wx0, -1, where)
            test.assertLessEqual(wx1, viewport[0] + 1, where)
            test.assertLessEqual(wy1, viewport[1] + 1, where)
        test.assertLessEqual(x1, wx1 + 1, where)
        test.assertGreaterEqual(x0, wx0 - 1, where)
        if y1 > wy1 + 1:
            test.assertGreater(it["scroll_max_y"], 0, where)


class ExplorerGui(unittest.TestCase):
    def assert_not_blank(self, img, what):
        self.assertGreater(img.std(), 10.0, f"{what} looks blank")
        self.assertGreater(len(np.unique(img.reshape(-1, 3), axis=0)), 50, f"{what} has too few colours")

    def test_starts_on_the_bundled_model_samples_and_scrubs(self):
        r = ExplorerRun("start", [
            wait("model"), wait("sampler"),
            {"do": "set", "control": "step", "value": 0}, *shot("step0.png"), dump("step0.json"),
            {"do": "set", "control": "step", "value": 9999}, *shot("stepK.png"), dump("stepK.json"),
            {"do": "key", "key": "left"}, {"do": "key", "key": "left"}, {"do": "key", "key": "right"},
            dump("scrubbed.json"),
            {"do": "click_chain", "index": 3}, *shot("selected.png"), dump("selected.json"),
        ])
        s0, sk = r.state("step0.json"), r.state("stepK.json")
        self.assertTrue(s0["model"]["path"].endswith("fmnist.safetensors"))
        self.assertEqual(s0["model"]["source"], "native")
        c = sk["chains"]
        self.assertTrue(c["finished"])
        self.assertEqual(c["ready"], c["steps"] + 1)
        self.assertEqual(c["n"], 16)
        self.assertEqual(sk["view"]["step"], c["steps"])
        self.assertEqual(sk["view"]["shown_step"], c["steps"])  # the texture holds what is shown
        # The chains left their noise: they moved and their energy rose.
        self.assertGreater(c["moved_from_noise"], 0.2)
        self.assertGreater(c["energy_last"], c["energy_first"])
        # Data band from Fashion-MNIST.
        self.assertIn("mean", s0["model"]["band"])
        self.assertEqual(r.state("scrubbed.json")["view"]["step"], c["steps"] - 1)
        self.assertEqual(r.state("selected.json")["view"]["selected"], 3)
        a, b = r.image("step0.png"), r.image("stepK.png")
        self.assert_not_blank(a, "step-0 screenshot")
        self.assert_not_blank(b, "step-K screenshot")
        self.assertGreater(np.abs(a - b).mean(), 1.0, "the grid did not change between step 0 and step K")
        # Settings persist in the config dir, never the working directory.
        self.assertTrue(os.path.exists(r.path("config/imgui.ini")))
        self.assertFalse(os.path.exists(r.path("imgui.ini")))

    def test_changing_a_control_reruns_and_cancels_the_stale_run(self):
        r = ExplorerRun("rerun", [
            wait("sampler"), dump("before.json"),
            {"do": "set", "control": "steps", "value": 300}, wait("frames", frames=2),
            {"do": "set", "control": "steps", "value": 12}, {"do": "set", "control": "chains", "value": 9},
            {"do": "set", "control": "seed", "value": 5}, wait("sampler"), dump("after.json"),
        ])
        before, after = r.state("before.json"), r.state("after.json")
        c = after["chains"]
        self.assertEqual((c["steps"], c["n"], c["settings"]["seed"], c["ready"]), (12, 9, 5, 13))
        self.assertGreater(c["run"], before["chains"]["run"])

    def test_the_model_panel_prices_the_thread_plan_and_chains_mode_gives_one_threads_chains(self):
        # Issue 28: the Model panel says how the threads share a step (the CLI's --parallel).
        setc = lambda c, v: {"do": "set", "control": c, "value": v}
        rerun = {"do": "press", "button": "rerun"}
        r = ExplorerRun("plan", [
            wait("model"), wait("sampler"), dump("one_chunk.json"),
            setc("threads", 2), setc("steps", 6), setc("chains", 64), wait("sampler"), dump("auto.json"),
            setc("parallel", "ops"), wait("sampler"), dump("ops.json"),
            setc("parallel", "chains"), rerun, wait("sampler"), *shot("plan.png"), dump("chains.json"),
            setc("threads", 1), rerun, wait("sampler"), dump("one_thread.json"),
        ])
        one = r.state("one_chunk.json")["model"]
        self.assertEqual(one["parallel"], "auto")
        self.assertEqual(one["plan"]["chunks"], 1, one["plan"]["why"])
        auto = r.state("auto.json")["model"]
        self.assertEqual(auto["plan"]["chunks"], 4)
        self.assertTrue(auto["plan"]["why"].startswith("chains: auto" if auto["plan"]["chains"] else "ops: auto"))
        ops, chains = r.state("ops.json"), r.state("chains.json")
        self.assertEqual(ops["model"]["parallel"], "ops")
        self.assertEqual((ops["model"]["plan"]["chains"], ops["model"]["plan"]["chunks"]), (False, 4))
        self.assertEqual(chains["model"]["parallel"], "chains")
        self.assertEqual((chains["model"]["plan"]["chains"], chains["model"]["plan"]["chunks"]), (True, 4))
        self.assertIn("4 chunks of 16 on 2 threads", chains["model"]["plan"]["why"])
        a, b, c = ops["chains"], chains["chains"], r.state("one_thread.json")["chains"]
        self.assertGreater(b["run"], a["run"])
        self.assertGreater(c["run"], b["run"])
        self.assertEqual((a["n"], b["n"], c["n"]), (64, 64, 64))
        # Chains mode runs one-thread kernels, so its chains are a one-thread run's bit for bit
        # (tests/test_parallel_plan.cpp checks the tensors; here the energies the tab reports).
        # ops at 2 threads may differ in the last bits where oneDNN splits a sum by thread count.
        self.assertEqual((b["energy_first"], b["energy_last"]), (c["energy_first"], c["energy_last"]))

    def test_interpolation_between_two_clicked_chains(self):
        r = ExplorerRun("interp", [
            wait("sampler"),
            {"do": "click_chain", "index": 1, "as": "a"}, {"do": "click_chain", "index": 6, "as": "b"},
            {"do": "set", "control": "tab", "value": "interpolation"},
            {"do": "set", "control": "points", "value": 6},
            {"do": "set", "control": "rho", "value": 0.4}, wait("interpolation"),
            *shot("interp.png"), dump(),
            {"do": "set", "control": "path", "value": "linear"}, {"do": "set", "control": "rho", "value": 0.0},
            wait("interpolation"), dump("linear.json"),
        ])
        s = r.state()
        self.assertEqual((s["interpolation"]["chain_a"], s["interpolation"]["chain_b"]), (1, 6))
        self.assertAlmostEqual(s["interpolation"]["live"]["rho"][0], 0.4, places=5)
        self.assertEqual(len(s["interpolation"]["strip"]["energy"]), 6)
        lin = r.state("linear.json")["interpolation"]
        # ρ = 0 is endpoint A's own chain: the live image's energy is the strip's first (to rounding:
        # the live image runs as a batch of one).
        self.assertAlmostEqual(lin["live"]["energy"][0], lin["strip"]["energy"][0],
                               delta=1e-3 * abs(lin["strip"]["energy"][0]) + 1e-4)
        self.assert_not_blank(r.image("interp.png"), "interpolation screenshot")

    def test_draw_and_reconstruct_then_show_its_chain(self):
        stroke = [[8 + i, 6 + i * 0.8] for i in range(16)]
        r = ExplorerRun("recon", [
            wait("sampler"), {"do": "set", "control": "tab", "value": "reconstruct"},
            {"do": "stroke", "points": stroke, "radius": 2.5, "value": 1.0},
            {"do": "stroke", "points": [[16, 4], [16, 28]], "radius": 2.0, "value": 0.5},
            {"do": "stroke", "points": [[26, 26]], "radius": 4, "mask": True},
            # A fast machine's rate, so the 15 iterations never ask first however loaded this one is.
            {"do": "set", "control": "chain_rate_for_test", "value": 1e5},
            {"do": "set", "control": "recon_iters", "value": 15}, {"do": "press", "button": "reconstruct"},
            wait("reconstruction"), *shot("recon.png"), dump(),
            {"do": "press", "button": "undo"}, dump("undone.json"),
            {"do": "press", "button": "show_chain"}, wait("sampler"), dump("chain.json"),
        ])
        s = r.state()
        rc = s["reconstruct"]
        self.assertTrue(rc["run"]["finished"])
        self.assertEqual(rc["run"]["done"], 15)
        self.assertLess(rc["run"]["mse_last"], rc["run"]["mse_first"])
        self.assertLess(rc["observed_fraction"], 1.0)
        self.assertGreater(rc["canvas_mean"], 0.02)
        self.assertEqual(r.state("undone.json")["reconstruct"]["observed_fraction"], 1.0)
        chain = r.state("chain.json")
        self.assertTrue(chain["chains"]["custom_init"])
        self.assertEqual(chain["tab"], "chains")
        self.assert_not_blank(r.image("recon.png"), "reconstruct screenshot")

    def test_loads_every_checkpoint_kind_and_survives_a_corrupt_file(self):
        corrupt = os.path.join(WORK, "corrupt.safetensors")
        os.makedirs(WORK, exist_ok=True)
        with open(corrupt, "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
        actions = [wait("sampler")]
        kinds = [("minimal.pth", "state_dict:minimal"), ("mixed.pth", "state_dict:mixed-precision"),
                 ("sequential.pth", "state_dict:sequential"), ("scripted.pt", "torchscript")]
        for name, _ in kinds:
            actions += [{"do": "drop_file", "path": fx(name)}, wait("model"), wait("sampler"), dump(name + ".json")]
        actions += [{"do": "drop_file", "path": corrupt}, wait("model"), *shot("after_corrupt.png"), dump("corrupt.json"),
                    {"do": "drop_file", "path": os.path.join(WORK, "notes.txt")}, dump("unknown.json")]
        r = ExplorerRun("kinds", actions)
        for name, source in kinds:
            s = r.state(name + ".json")
            self.assertEqual(s["model"]["source"], source, name)
            self.assertTrue(s["chains"]["finished"], name)
        s = r.state("corrupt.json")
        self.assertEqual(s["model"]["source"], "torchscript")  # the previous model stays loaded
        self.assertTrue(any("corrupt.safetensors" in e for e in s["errors"]), s["errors"])
        self.assertIn("corrupt.safetensors", s["model_error"])
        self.assertTrue(any("notes.txt" in e for e in r.state("unknown.json")["errors"]))
        self.assert_not_blank(r.image("after_corrupt.png"), "screenshot after the corrupt file")
        with open(r.path("config/recent.json")) as f:
            recent = json.load(f)["recent"]
        self.assertTrue(recent[0].endswith("scripted.pt"), recent)

    def test_export_grid_reproduces_with_the_cli(self):
        r = ExplorerRun("export", [
            wait("sampler"), {"do": "set", "control": "export_folder", "value": "out"},
            {"do": "set", "control": "step", "value": 9999},
            {"do": "press", "button": "export_grid"}, {"do": "set", "control": "video", "value": "gif"},
            {"do": "press", "button": "export_chain"}, wait("idle"), dump(),
        ])
        out = r.path("out")
        pngs = sorted(f for f in os.listdir(out) if f.endswith(".png"))
        self.assertEqual(len(pngs), 1, os.listdir(out))
        with open(os.path.join(out, pngs[0] + ".json")) as f:
            settings = json.load(f)
        self.assertIn("shortrun sample", settings["cli"])
        # The CLI line from the JSON writes the same picture.
        cli = settings["cli"].replace("shortrun sample", "").replace("--out grid.png", "")
        again = r.path("again.png")
        subprocess.run(f"{SHORTRUN} sample {cli} --out {again} --threads 1", shell=True, check=True, capture_output=True)
        self.assertTrue(np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(os.path.join(out, pngs[0])))))
        chain_dir = [d for d in os.listdir(out) if d.startswith("chain_")][0]
        frames = [f for f in os.listdir(os.path.join(out, chain_dir)) if f.startswith("frame_")]
        self.assertEqual(len(frames), settings["steps"] + 1)
        if shutil.which("ffmpeg"):
            self.assertTrue(os.path.getsize(os.path.join(out, chain_dir, "chain.gif")) > 1000)

    # ---- issue 12: faithful inputs, mask presets, exports, the file chooser, the chains view ----

    def write_inputs(self, name):
        """A 28x28 Fashion-MNIST-like PNG and the same image as an NPY, a 40x60 RGB PNG."""
        d = os.path.join(WORK, name + "_inputs")
        os.makedirs(d, exist_ok=True)
        rng = np.random.default_rng(4)
        u8 = rng.integers(0, 256, (28, 28)).astype(np.uint8)
        Image.fromarray(u8, "L").save(os.path.join(d, "digit28.png"))
        np.save(os.path.join(d, "digit28.npy"), (u8.astype(np.float32) / 127.5 - 1.0)[None])
        Image.fromarray(rng.integers(0, 256, (40, 60, 3)).astype(np.uint8), "RGB").save(os.path.join(d, "wide.png"))
        padded = np.full((32, 32), -1.0, np.float32)
        padded[2:30, 2:30] = u8.astype(np.float32) / 127.5 - 1.0
        return d, padded

    def test_28x28_images_are_padded_and_a_new_image_resets_the_result(self):
        d, padded = self.write_inputs("pad")
        r = ExplorerRun("pad", [
            wait("model"), {"do": "set", "control": "steps", "value": 10},
            {"do": "set", "control": "tab", "value": "reconstruct"},
            {"do": "stroke", "points": [[16, 16]], "radius": 4, "mask": True},
            {"do": "set", "control": "recon_iters", "value": 3}, {"do": "press", "button": "reconstruct"},
            wait("reconstruction"), dump("before.json"),
            {"do": "drop_file", "path": os.path.join(d, "digit28.png")}, wait("image"), *shot("padded.png"), dump("png.json"),
            {"do": "set", "control": "image_path", "value": os.path.join(d, "digit28.npy")},
            {"do": "press", "button": "open_image"}, wait("image"), dump("npy.json"),
            {"do": "drop_file", "path": os.path.join(d, "wide.png")}, wait("image"), dump("wide.json"),
        ], extra=("--chains", "4"))
        self.assertIn("run", r.state("before.json")["reconstruct"])
        for name in ("png.json", "npy.json"):
            rc = r.state(name)["reconstruct"]
            inputs = rc["inputs"]
            self.assertEqual(inputs["image_note"], "padded 28x28 -> 32x32 with -1 (as the training data)", name)
            canvas = np.array(inputs["canvas"], np.float32).reshape(32, 32)
            self.assertLess(np.abs(canvas - padded).max(), 1e-6, name)  # the pixels training saw, not a stretched copy
            self.assertEqual(rc["observed_fraction"], 1.0, name)  # a new image, a fresh mask
            self.assertNotIn("run", rc, name)  # the old image's reconstruction, error and curve are gone
            self.assertFalse(inputs["result_shown"], name)
        self.assertTrue(r.state("npy.json")["reconstruct"]["inputs"]["image_path"].endswith("digit28.npy"))
        note = r.state("wide.json")["reconstruct"]["inputs"]["image_note"]
        self.assertEqual(note, "RGB -> gray; center-cropped 40x60 to 40x40; resized 40x40 -> 32x32 (bilinear)")
        self.assert_not_blank(r.image("padded.png"), "screenshot after loading a 28x28 image")

    def test_mask_presets_are_the_clis(self):
        r = ExplorerRun("masks", [
            wait("model"), {"do": "set", "control": "tab", "value": "reconstruct"},
            {"do": "press", "button": "mask_center"}, dump("center.json"),
            {"do": "press", "button": "mask_left"}, dump("left.json"),
            {"do": "set", "control": "mask_p", "value": 0.3}, {"do": "press", "button": "mask_random"},
            *shot("random.png"), dump("random.json"),
            {"do": "press", "button": "undo"}, dump("undo.json"),
        ], extra=("--chains", "4"))

        def mask(name):
            return np.array([[c == "1" for c in row] for row in r.state(name)["reconstruct"]["inputs"]["mask"]])

        center = np.ones((32, 32), bool)
        center[8:24, 8:24] = False
        self.assertTrue(np.array_equal(mask("center.json"), center))
        left = np.ones((32, 32), bool)
        left[:, :16] = False
        self.assertTrue(np.array_equal(mask("left.json"), left))
        self.assertTrue(np.array_equal(mask("undo.json"), left))
        s = r.state("random.json")
        self.assertEqual(s["reconstruct"]["inputs"]["mask_preset"], "random:0.3")
        gui = mask("random.json")
        self.assertAlmostEqual(1 - gui.mean(), 0.3, delta=0.06)
        # The CLI's --mask random:0.3 with the same seed hides the same pixels: an all-white image
        # shows its mask in the first tile of the result (observed x mask: 255 kept, 128 hidden).
        white = r.path("white.png")
        Image.fromarray(np.full((32, 32), 255, np.uint8), "L").save(white)
        seed = s["reconstruct"]["inputs"]["uses"]["seed"]
        subprocess.run([SHORTRUN, "reconstruct", "--image", white, "--mask", "random:0.3", "--seed", str(seed),
                        "--steps", "2", "--iters", "1", "--threads", "1", "--out", r.path("cli.png")],
                       check=True, capture_output=True, timeout=300)
        tile = np.asarray(Image.open(r.path("cli.png")).convert("L"))[2:34, 2:34]
        self.assertTrue(np.array_equal(tile > 200, gui))

    def test_model_field_refuses_an_image_and_a_model_switch_keeps_the_canvas(self):
        d, _ = self.write_inputs("switch")
        png = os.path.join(d, "digit28.png")
        r = ExplorerRun("switch", [
            wait("model"), {"do": "set", "control": "tab", "value": "reconstruct"},
            {"do": "drop_file", "path": png}, wait("image"),
            {"do": "stroke", "points": [[4, 4], [12, 4]], "radius": 2, "mask": True}, dump("before.json"),
            {"do": "set", "control": "model_path", "value": png}, {"do": "press", "button": "load_model"},
            wait("frames", frames=3), dump("refused.json"),
            {"do": "drop_file", "path": fx("minimal.pth")}, wait("model"), *shot("switched.png"), dump("switched.json"),
        ], extra=("--chains", "4"))
        before, refused, switched = r.state("before.json"), r.state("refused.json"), r.state("switched.json")
        self.assertIn("this is an image: open it in Reconstruct", refused["model_error"])
        self.assertTrue(refused["model"]["path"].endswith("fmnist.safetensors"))  # nothing was loaded
        for s in (refused, switched):
            self.assertEqual(s["reconstruct"]["inputs"]["canvas"], before["reconstruct"]["inputs"]["canvas"])
            self.assertEqual(s["reconstruct"]["inputs"]["mask"], before["reconstruct"]["inputs"]["mask"])
            self.assertEqual(s["reconstruct"]["inputs"]["image_path"], png)
        self.assertLess(switched["reconstruct"]["observed_fraction"], 1.0)
        self.assertEqual(switched["model"]["source"], "state_dict:minimal")
        # Reconstruct says which sampler settings it runs through: the sidebar's.
        self.assertEqual(switched["reconstruct"]["inputs"]["uses"]["steps"], switched["sampler"]["steps"])
        self.assertEqual(switched["reconstruct"]["inputs"]["uses"]["step_size"], switched["sampler"]["step_size"])

    def test_a_model_switch_prices_runs_afresh_and_a_wait_under_a_prompt_fails_at_once(self):
        """Issue 23 (18): on a loaded machine the bundled model measured slowly; its rate then priced
        minimal.pth's first run over 10 s, the costly-run prompt opened, and wait("model") waited
        300 s for a worker that was idle. The slow rate is now set on purpose: the new model is priced
        from its own size, and a wait that a prompt blocks fails at once, saying so."""
        r = ExplorerRun("switch_rate", [
            wait("model"), wait("sampler"), {"do": "set", "control": "chain_rate_for_test", "value": 1.0}, dump("slow.json"),
            {"do": "drop_file", "path": fx("minimal.pth")}, wait("model"), dump("switched.json"),
        ], extra=("--chains", "4"))
        slow, switched = r.state("slow.json"), r.state("switched.json")
        self.assertEqual(slow["chain_rate"], 1.0)
        self.assertEqual(switched["model"]["source"], "state_dict:minimal")
        self.assertFalse(switched["cost_prompt"]["open"])
        self.assertGreater(switched["chain_rate"], 1.0)
        t0 = time.time()
        r = ExplorerRun("wait_under_prompt", [wait("model"), {"do": "set", "control": "steps", "value": 100000},
                                              wait("sampler")], expect=1)
        self.assertLess(time.time() - t0, 200)
        self.assertIn("waiting for sampler, but the costly-run prompt is open", r.proc.stderr)
        self.assertIn("chain-steps/s): press confirm_run or decline_run first", r.proc.stderr)

    def test_a_refused_precision_keeps_the_grid_and_its_error_clears_on_the_next_good_run(self):
        """Issue 23 (1, 4): bf16 on a CPU without it left the grid at "sampling..." for ever; the red
        error stayed in the status bar through later good runs. DNNL_MAX_CPU_ISA=AVX2 hides any
        native bf16, so this CPU is one without it."""
        r = ExplorerRun("precision", [
            wait("model"), wait("sampler"), dump("good.json"),
            {"do": "set", "control": "precision", "value": "bf16"}, wait("idle"), wait("frames", frames=3),
            *shot("refused.png"), dump("refused.json"),
            {"do": "set", "control": "precision", "value": "exact"}, {"do": "set", "control": "seed", "value": 9},
            wait("sampler"), wait("frames", frames=2), dump("after.json"),
        ], extra=("--chains", "4"), env={"DNNL_MAX_CPU_ISA": "AVX2"})
        good, refused, after = r.state("good.json"), r.state("refused.json"), r.state("after.json")
        self.assertEqual(good["model"]["precisions"], ["exact"])  # bf16 and tf32 are not offered here
        # The grid keeps the last good run, finished, rather than an empty refused one.
        self.assertEqual(refused["chains"]["run"], good["chains"]["run"])
        self.assertTrue(refused["chains"]["finished"])
        self.assertGreater(refused["chains"]["ready"], 1)
        self.assertTrue(refused["status_is_error"])
        self.assertIn("bf16", refused["status"])
        self.assert_not_blank(r.image("refused.png")[:, 300:], "the grid after a refused run")
        self.assertTrue(after["chains"]["finished"])
        self.assertNotEqual(after["chains"]["run"], good["chains"]["run"])
        self.assertFalse(after["status_is_error"], after["status"])

    def test_the_chooser_says_the_feature_net_is_not_a_model(self):
        """Issue 23 (12): the chooser offered fmnist_features.safetensors as a model, and loading it
        advised `shortrun convert`."""
        assets = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets")
        r = ExplorerRun("feature_net", [
            wait("model"), {"do": "browse", "for": "model", "dir": assets}, wait("browser"), dump("listed.json"),
            {"do": "browse_pick", "name": "fmnist_features.safetensors"}, wait("frames", frames=3), dump("refused.json"),
        ], extra=("--chains", "4"))
        listed, refused = r.state("listed.json"), r.state("refused.json")
        self.assertIn("feature net", listed["browser"]["notes"]["fmnist_features.safetensors"])
        self.assertNotIn("fmnist.safetensors", listed["browser"]["notes"])
        self.assertIn("feature network", refused["model_error"])
        self.assertNotIn("convert", refused["model_error"])
        self.assertTrue(refused["model"]["path"].endswith("fmnist.safetensors"))

    def test_a_costly_reconstruction_is_priced_and_waits_for_a_yes(self):
        """Issue 23 section 1: Reconstruct with the paper-size model started ~2 h of work with no
        estimate. Every job is priced by the same book as the chains: on a machine measured at 1
        chain-step/s, 100 iterations through K steps ask first; a no starts nothing."""
        r = ExplorerRun("recon_prompt", [
            wait("model"), {"do": "set", "control": "steps", "value": 10}, wait("sampler"),
            {"do": "set", "control": "chain_rate_for_test", "value": 1.0},
            {"do": "set", "control": "tab", "value": "reconstruct"}, {"do": "press", "button": "mask_center"},
            {"do": "set", "control": "recon_iters", "value": 100}, {"do": "press", "button": "reconstruct"},
            wait("prompt"), *shot("prompt.png"), dump("prompt.json"), {"do": "press", "button": "decline_run"},
            wait("frames", frames=2), dump("declined.json"),
        ], extra=("--chains", "4"))
        p, d = r.state("prompt.json"), r.state("declined.json")
        self.assertTrue(p["job_prompt"]["open"])
        self.assertIn("Reconstruct: 100 iterations through K = 10", p["job_prompt"]["what"])
        self.assertAlmostEqual(p["job_prompt"]["seconds"], 100 * 10 * 3 / 1.0, delta=1)
        self.assertFalse(d["job_prompt"]["open"])
        self.assertIn("not started", d["status"])
        self.assertNotIn("reconstruction", [j["kind"] for j in d["jobs"]])

    def test_exports_magnify_and_carry_the_local_time(self):
        r = ExplorerRun("exports2", [
            wait("model"), {"do": "set", "control": "steps", "value": 8}, wait("sampler"),
            {"do": "set", "control": "export_folder", "value": "out"},
            {"do": "press", "button": "export_grid"}, {"do": "set", "control": "export_upscale", "value": 3},
            {"do": "press", "button": "export_grid"},
            {"do": "set", "control": "tab", "value": "interpolation"}, {"do": "set", "control": "points", "value": 4},
            wait("interpolation"), {"do": "press", "button": "export_strip"},
            {"do": "set", "control": "tab", "value": "reconstruct"}, {"do": "press", "button": "mask_center"},
            {"do": "set", "control": "recon_iters", "value": 2}, {"do": "press", "button": "reconstruct"},
            wait("reconstruction"), {"do": "press", "button": "export_triptych"}, wait("idle"), dump(),
        ], extra=("--chains", "4"))
        out = r.path("out")
        files = sorted(os.listdir(out))
        today = time.strftime("%Y%m%d")  # local time
        grids = [f for f in files if f.startswith("grid_") and f.endswith(".png")]
        self.assertEqual(len(grids), 2, files)
        self.assertTrue(all(today in f for f in files), files)
        g1, g3 = (np.asarray(Image.open(os.path.join(out, f))) for f in grids)
        if g1.shape[0] > g3.shape[0]:
            g1, g3 = g3, g1
        self.assertEqual(g1.shape[:2], (70, 70))  # 2x2 chains of 32, 2-pixel gaps
        self.assertTrue(np.array_equal(g3, np.repeat(np.repeat(g1, 3, 0), 3, 1)))
        strip = [f for f in files if f.startswith("strip_") and f.endswith(".png")]
        self.assertEqual(len(strip), 1, files)
        st = np.asarray(Image.open(os.path.join(out, strip[0])).convert("RGB"))
        self.assertEqual(st.shape[:2], (3 * 32 + 4, 4 * (3 * 32 + 2) + 2))
        with open(os.path.join(out, strip[0] + ".json")) as f:
            self.assertEqual(len(json.load(f)["rho"]), 4)
        tri = [f for f in files if f.startswith("reconstruction_") and f.endswith(".png")]
        self.assertEqual(len(tri), 1, files)
        t = np.asarray(Image.open(os.path.join(out, tri[0])).convert("RGB")).astype(int)
        self.assertEqual(t.shape[:2], (3 * 32 + 4, 3 * (3 * 32 + 2) + 2))
        centre, corner = t[2 + 48, 2 + 48], t[2 + 3, 2 + 3]  # observed tile: hidden centre, observed corner
        self.assertGreater(centre[0] - centre[1], 60, centre)  # hidden pixels tinted red
        self.assertEqual(corner[0], corner[1])  # observed pixels gray
        err_centre = t[2 + 48, 2 + 2 * 98 + 48]
        self.assertLess(err_centre.sum(), 10)  # hidden pixels have no error (colormap 0)

    def test_video_export_needs_ffmpeg(self):
        if not shutil.which("ffmpeg"):
            self.skipTest("ffmpeg is not on PATH: GIF/MP4 export not tested (SHORTRUN_FFMPEG=1 bash scripts/install-deps.sh)")
        r = ExplorerRun("video", [
            wait("model"), {"do": "set", "control": "steps", "value": 6}, wait("sampler"),
            {"do": "set", "control": "export_folder", "value": "out"}, {"do": "set", "control": "video", "value": "mp4"},
            {"do": "press", "button": "export_chain"}, {"do": "set", "control": "video", "value": "gif"},
            {"do": "press", "button": "export_chain"}, wait("idle"),
        ], extra=("--chains", "4"))
        dirs = sorted(os.listdir(r.path("out")))
        self.assertEqual(len(dirs), 2, dirs)
        videos = [f for d in dirs for f in os.listdir(r.path(os.path.join("out", d))) if f.startswith("chain.")]
        self.assertEqual(sorted(videos), ["chain.gif", "chain.mp4"])

    def test_file_chooser_opens_models_and_images(self):
        d, padded = self.write_inputs("browse")
        folder = os.path.join(WORK, "browse_folder")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(os.path.join(folder, "sub"))
        shutil.copy(fx("minimal.pth"), folder)
        shutil.copy(os.path.join(d, "digit28.png"), folder)
        open(os.path.join(folder, "notes.txt"), "w").close()
        r = ExplorerRun("browse", [
            wait("model"), {"do": "key", "key": "ctrl+o"}, wait("browser"), dump("opened.json"),
            {"do": "browse", "for": "model", "dir": folder}, wait("browser"), *shot("chooser.png"), dump("models.json"),
            {"do": "browse_pick", "name": "minimal.pth"}, wait("model"), dump("loaded.json"),
            {"do": "browse", "for": "image", "dir": os.path.join(folder, "sub")}, {"do": "browse_pick", "name": ".."},
            wait("browser"), dump("images.json"),
            {"do": "browse_pick", "name": "digit28.png"}, wait("image"), dump("image.json"),
            {"do": "browse", "for": "image", "dir": os.path.join(folder, "missing")}, wait("browser"), dump("missing.json"),
            {"do": "press", "button": "browser_cancel"}, dump("closed.json"),
        ], extra=("--chains", "4"))
        self.assertTrue(r.state("opened.json")["browser"]["open"])
        b = r.state("models.json")["browser"]
        self.assertEqual((b["for"], b["entries"], b["error"]), ("model", ["sub/", "minimal.pth"], ""))
        loaded = r.state("loaded.json")
        self.assertEqual(loaded["model"]["source"], "state_dict:minimal")
        self.assertFalse(loaded["browser"]["open"])
        self.assertIn(folder, loaded["browser"]["recent_folders"])
        self.assertEqual(r.state("images.json")["browser"]["entries"], ["sub/", "digit28.png"])
        img = r.state("image.json")["reconstruct"]["inputs"]
        self.assertEqual(img["image_path"], os.path.join(folder, "digit28.png"))
        self.assertEqual(img["image_note"], "padded 28x28 -> 32x32 with -1 (as the training data)")
        m = r.state("missing.json")["browser"]
        self.assertIn("cannot list", m["error"])
        self.assertIn("missing", m["error"])
        self.assertFalse(r.state("closed.json")["browser"]["open"])
        self.assert_not_blank(r.image("chooser.png"), "file chooser screenshot")

    def test_chains_view_agrees_with_its_run(self):
        r = ExplorerRun("chainsview", [
            wait("model"), {"do": "set", "control": "steps", "value": 12}, wait("sampler"),
            {"do": "click_chain", "index": 2}, {"do": "set", "control": "step", "value": 9999},
            wait("frames", frames=3), dump("last.json"),
            {"do": "set", "control": "step", "value": 5}, wait("frames", frames=3), dump("mid.json"),
            {"do": "set", "control": "steps", "value": 7}, wait("sampler"), wait("frames", frames=2), dump("rerun.json"),
            {"do": "set", "control": "tab", "value": "reconstruct"}, {"do": "set", "control": "recon_iters", "value": 2},
            {"do": "press", "button": "reconstruct"}, wait("reconstruction"),
            {"do": "set", "control": "steps", "value": 9}, wait("frames", frames=2), *shot("recon_other_k.png"),
            {"do": "press", "button": "show_chain"},
            wait("sampler"), wait("frames", frames=3), *shot("its_chain.png"), dump("its_chain.json"),
        ], extra=("--chains", "4"))
        last = r.state("last.json")
        v = last["view"]
        self.assertEqual(v["slider_max"], 12)
        # At x_K the difference view shows the step into x_K (x_12 − x_11), and the norm printed
        # beside it is that step's |dx| in the plots.
        self.assertEqual(v["heat_step"], 11)
        self.assertGreater(v["dx_shown"], 0)
        self.assertAlmostEqual(v["heat_norm"], v["dx_shown"], delta=1e-4 * v["dx_shown"] + 1e-6)
        mid = r.state("mid.json")["view"]
        self.assertEqual(mid["heat_step"], 4)  # x_5 − x_4: the step that led to the shown image
        self.assertAlmostEqual(mid["heat_norm"], mid["dx_shown"], delta=1e-4 * mid["dx_shown"] + 1e-6)
        self.assertEqual(r.state("rerun.json")["view"]["slider_max"], 7)
        ch = r.state("its_chain.json")
        self.assertEqual(ch["tab"], "chains")
        self.assertTrue(ch["chains"]["custom_init"])
        self.assertEqual(ch["chains"]["steps"], 7)  # the K the reconstruction ran through, not the sidebar's 9 since
        self.assertEqual(ch["view"]["shown_run"], ch["chains"]["run"])  # the Chains panel drew it
        self.assertEqual(ch["view"]["slider_max"], ch["chains"]["steps"])

    def test_without_a_display_it_says_so_in_one_line(self):
        r = ExplorerRun("nodisplay", [], xvfb=False, expect=1)
        err = r.proc.stderr.strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("xvfb-run", err)

    def test_a_bad_script_action_fails_cleanly(self):
        r = ExplorerRun("badscript", [wait("model"), {"do": "set", "control": "no_such_control", "value": 1}], expect=1)
        self.assertIn("no_such_control", r.proc.stderr)

    def test_screenshot_after_frames(self):
        d = os.path.join(WORK, "frames")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        out = os.path.join(d, "shot.png")
        subprocess.run(XVFB + [EXPLORER, "--screenshot", out, "--frames", "5", "--config-dir", "none", "--tab",
                               "interpolation", "--size", "1000x700"], check=True, capture_output=True, timeout=300)
        img = np.asarray(Image.open(out))
        self.assertEqual(img.shape[:2], (700, 1000))


if __name__ == "__main__":
    unittest.main(verbosity=2)
