#!/usr/bin/env python3
"""Evaluations that carry their protocol (issue 25, part 5), through the CLI: `eval` records one
`protocol` object (samples, reference split, feature net with its SHA-256, sampler, weights, seed,
threads, device, build); `eval --check FILE` re-runs it: reproduces (exit 0, exact in the same
environment, within the stated tolerance otherwise), a tampered value does not (exit 1), a changed
feature net or missing model is refused and bad JSON is one line (exit 2).

usage: test_eval_protocol.py SHORTRUN FIXTURE_DIR WORK_DIR
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
run = cliutil.runner(SHORTRUN, timeout=900)


def wk(name):
    return os.path.join(WORK, name)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load(path):
    with open(path) as f:
        return json.load(f)


def save(path, j):
    with open(path, "w") as f:
        json.dump(j, f, indent=2)


class EvalProtocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A tiny model (4 filters, 3 steps, 2 iterations), a quick feature net (500 images, one
        # epoch) and one recorded evaluation of 8 samples, all in this test's own directory.
        cls.model_dir = wk("model")
        run("train", "--data", "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte.gz"), "--nf", "4", "--steps", "3",
            "--batch", "4", "--threads", "1", "--eval-every", "0", "--iters", "2", "--out", cls.model_dir)
        cls.features = wk("feat.safetensors")
        run("train-features", "--out", cls.features, "--epochs", "1", "--limit", "500", "--threads", "1")
        cls.record = wk("eval.json")
        cls.stdout = run("eval", "--model", cls.model_dir, "--data", "fashion-mnist", "--n", "8", "--features", cls.features,
                         "--threads", "1", "--seed", "7", "--json", cls.record).stdout

    def assert_one_line_error(self, args, *fragments, expect=2):
        cliutil.assert_one_line_error(self, run, args, *fragments, expect=expect)

    def variant(self, name, edit):
        """A copy of the recorded evaluation with edit(json) applied."""
        j = load(self.record)
        edit(j)
        path = wk(name)
        save(path, j)
        return path

    def test_eval_records_its_protocol(self):
        j = load(self.record)
        self.assertEqual(json.loads(self.stdout.strip().splitlines()[-1]), j)
        p = j["protocol"]
        self.assertEqual(p["n"], 8)
        self.assertEqual(p["reference"]["split"], "test")
        self.assertEqual(p["reference"]["count"], 8)
        self.assertEqual(p["train"]["floor_count"], 8)
        self.assertGreater(p["train"]["memorisation_count"], 8)
        self.assertEqual(p["features"]["path"], self.features)
        self.assertEqual(p["features"]["sha256"], sha256(self.features))
        self.assertEqual(p["model"]["sha256"], sha256(p["model"]["file"]))
        self.assertEqual(p["model"]["given"], os.path.join(self.model_dir, "model.safetensors"))
        self.assertEqual(p["weights"], "raw")
        self.assertEqual(p["sampler"]["steps"], 3)
        self.assertEqual(p["sampler"]["seed"], 7)
        for k in ("step_size", "noise_std", "init", "precision", "clamp", "chunk"):
            self.assertIn(k, p["sampler"])
        self.assertEqual(p["seed"], 7)
        self.assertEqual(p["threads"], 1)
        self.assertEqual(p["device"], "cpu")
        self.assertEqual(p["cpu_isa_limit"], os.environ.get("DNNL_MAX_CPU_ISA", ""))
        self.assertIn(p["build"]["version"], run("--version").stdout)
        self.assertIn(p["build"]["commit"], run("--version").stdout)

    def test_recorded_evaluation_reproduces_exactly(self):
        p = run("eval", "--check", self.record)
        lines = p.stdout.strip().splitlines()
        self.assertIn("exact comparison", lines[0])
        self.assertTrue(lines[-1].endswith("reproduces (13 of 13 metrics, exact)"), p.stdout)
        self.assertNotIn("DIFFERS", p.stdout)

    def test_another_environment_is_compared_within_the_stated_tolerance(self):
        # The recorded build differs from this one: the numbers are the same, but the check says
        # it compared within the tolerance, and why; a value off by 1e-4 relative still passes,
        # one off by 1e-2 does not.
        def other_build(j, scale=1.0):
            j["protocol"]["build"]["commit"] = "0123456789ab"
            j["fd"] *= scale
        p = run("eval", "--check", self.variant("other_build.json", other_build))
        self.assertIn("tolerance |re-run - recorded| <= 0.001 x max(1, |recorded|)", p.stdout)
        self.assertIn("build", p.stdout.splitlines()[0])
        self.assertIn("reproduces (13 of 13 metrics, within tolerance)", p.stdout)
        run("eval", "--check", self.variant("near.json", lambda j: other_build(j, 1 + 1e-4)))
        p = run("eval", "--check", self.variant("far.json", lambda j: other_build(j, 1 + 1e-2)), expect=1)
        self.assertIn("does not reproduce (1 of 13 metrics differ, within tolerance)", p.stdout)

    def test_tampered_value_does_not_reproduce(self):
        def tamper(j):
            j["fd"] = j["fd"] + 1e-9 * max(1.0, abs(j["fd"]))  # any change counts in the same environment
        p = run("eval", "--check", self.variant("tampered.json", tamper), expect=1)
        fd_line = [ln for ln in p.stdout.splitlines() if ln.split()[:1] == ["fd"]]
        self.assertEqual(len(fd_line), 1, p.stdout)
        self.assertTrue(fd_line[0].endswith("DIFFERS"), p.stdout)
        self.assertIn("does not reproduce (1 of 13 metrics differ, exact)", p.stdout)

    def test_changed_feature_net_or_missing_files_are_refused(self):
        feat = wk("feat_copy.safetensors")
        shutil.copy(self.features, feat)
        rec = wk("eval_copy.json")
        run("eval", "--model", self.model_dir, "--data", "fashion-mnist", "--n", "8", "--features", feat, "--threads", "1",
            "--no-memorisation", "--json", rec)
        run("eval", "--check", rec)
        with open(feat, "ab") as f:
            f.write(b"\0")
        self.assert_one_line_error(["eval", "--check", rec], rec, "feature net", feat, "has changed", "SHA-256", "refusing")
        os.remove(feat)
        self.assert_one_line_error(["eval", "--check", rec], rec, "feature net", feat, "is missing")
        missing_model = self.variant("missing_model.json", lambda j: j["protocol"]["model"].update(given=wk("gone/model.safetensors")))
        self.assert_one_line_error(["eval", "--check", missing_model], "model", wk("gone/model.safetensors"), "is missing")
        missing_data = self.variant("missing_data.json", lambda j: j["protocol"].update(data="idx:" + wk("gone.gz")))
        self.assert_one_line_error(["eval", "--check", missing_data], "data", wk("gone.gz"), "is missing")

    def test_ema_evaluation_checks_out_from_another_directory(self):
        # EMA weights: the protocol names the run's model and the EMA file loaded; --check, run
        # from elsewhere (absolute paths), takes the same weights and reproduces exactly.
        d = wk("ema_run")
        run("train", "--data", "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte.gz"), "--nf", "4", "--steps", "3",
            "--batch", "4", "--threads", "1", "--eval-every", "0", "--iters", "3", "--ema", "0.9", "--out", d)
        rec = wk("ema_eval.json")
        run("eval", "--model", d, "--data", "fashion-mnist", "--n", "8", "--features", self.features, "--threads", "1",
            "--no-memorisation", "--json", rec)
        p = load(rec)["protocol"]
        self.assertEqual(p["weights"], "ema")
        self.assertEqual(p["model"]["file"], os.path.join(d, "model.ema.safetensors"))
        self.assertEqual(p["model"]["sha256"], sha256(os.path.join(d, "model.ema.safetensors")))
        other = wk("elsewhere")
        os.makedirs(other, exist_ok=True)
        c = subprocess.run([SHORTRUN, "eval", "--check", rec], capture_output=True, text=True, timeout=900, cwd=other)
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
        self.assertIn("reproduces (9 of 9 metrics, exact)", c.stdout)
        self.assertIn("EMA weights", c.stderr)

    def test_bad_json_is_one_line(self):
        with open(self.record) as f:
            text = f.read()
        truncated = wk("truncated.json")
        with open(truncated, "w") as f:
            f.write(text[: len(text) // 2])
        self.assert_one_line_error(["eval", "--check", truncated], truncated, "not valid JSON", "expected the JSON object")
        garbage = wk("garbage.json")
        with open(garbage, "wb") as f:
            f.write(bytes(range(256)) * 4)
        self.assert_one_line_error(["eval", "--check", garbage], garbage, "not valid JSON")
        no_protocol = self.variant("no_protocol.json", lambda j: j.pop("protocol"))
        self.assert_one_line_error(["eval", "--check", no_protocol], no_protocol, "no \"protocol\" object")
        text_fd = self.variant("text_fd.json", lambda j: j.update(fd="12"))
        self.assert_one_line_error(["eval", "--check", text_fd], text_fd, "fd")
        bad_steps = self.variant("bad_steps.json", lambda j: j["protocol"]["sampler"].update(steps=-1))
        self.assert_one_line_error(["eval", "--check", bad_steps], bad_steps, "steps")
        self.assert_one_line_error(["eval", "--check", wk("absent.json")], wk("absent.json"), "cannot be read")
        self.assert_one_line_error(["eval", "--check", self.record, "--n", "16"], "--check", "--n", "usage error")


if __name__ == "__main__":
    unittest.main()
