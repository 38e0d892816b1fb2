#!/usr/bin/env python3
"""Data-parallel training over c10d Gloo on 127.0.0.1 (issue 27), through the CLI: 2 ranks x 32
chains equal 1 process x 64 (weights and Adam state to 1e-5 relative, metrics.jsonl apart from
timing); `sample --n 100` and `eval` split over 2 and 3 ranks equal one process bit for bit; an uneven batch (63 over 3 ranks) is handled and equals one process; 2 ranks resumed
with 1 continue as the uninterrupted 2-rank run; a SIGKILLed rank makes the other exit non-zero
with one line within --dist-timeout, and the run resumes; bad launch variables, a port in use,
an unreachable rank 0 and mismatched settings are one line each. Skipped (exit 0, a line
saying so) where the build has no c10d Gloo.

usage: test_data_parallel.py SHORTRUN FIXTURE_DIR WORK_DIR
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

import numpy as np

SHORTRUN, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
DATA = "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte.gz")
# A tiny net and chain; 10 iterations; every setting that shapes the run is fixed here.
TINY = ["--data", DATA, "--nf", "4", "--steps", "3", "--eval-every", "0", "--log-every", "2",
        "--checkpoint-every", "5", "--sample-every", "100", "--seed", "3"]
LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS")


def wk(name):
    return os.path.join(WORK, name)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(*args, expect=0, env=None, timeout=120):
    p = subprocess.run([SHORTRUN, *args], capture_output=True, text=True, timeout=timeout, env=env or clean_env())
    if p.returncode != expect:
        raise AssertionError(f"shortrun {' '.join(args)} exited {p.returncode}, expected {expect}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_env(rank, world, port, addr="127.0.0.1"):
    return clean_env(RANK=rank, WORLD_SIZE=world, LOCAL_RANK=rank, MASTER_ADDR=addr, MASTER_PORT=port)


def start_two_ranks(args, port):
    """Ranks 0 and 1 of `shortrun *args` on 127.0.0.1:port, stderr piped."""
    return [subprocess.Popen([SHORTRUN, *args], env=rank_env(r, 2, port), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for r in range(2)]


def kill_rank_one_and_wait(ranks, ready):
    """Calls ready() (it returns once the kill would land where the test wants it), SIGKILLs rank 1
    and waits for rank 0 to end; returns (rank 0's stderr, seconds from the kill to its end).
    Whatever happens, no rank outlives the call."""
    try:
        ready()
        os.kill(ranks[1].pid, signal.SIGKILL)
        t_kill = time.monotonic()
        _, err = ranks[0].communicate(timeout=60)
        return err, time.monotonic() - t_kill
    finally:
        for p in ranks:
            if p.poll() is None:
                p.kill()
                p.wait()


def read_safetensors(path):
    """name -> float64/int64 array (our own reader: the reference torch predates safetensors)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    kinds = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8, "BF16": None}
    out = {}
    for name, h in header.items():
        if name == "__metadata__" or kinds.get(h["dtype"]) is None:
            continue
        a, b = h["data_offsets"]
        out[name] = np.frombuffer(blob[a:b], dtype=kinds[h["dtype"]]).reshape(h["shape"])
    return out


def relative_errors(a_path, b_path):
    """Largest ‖a − b‖ / ‖b‖ over the tensors of two checkpoints: the weights, Adam's m and Adam's
    √v (b: the reference run). v, a mean of squared gradients, is compared as √v, in the
    gradient's units, so that every tensor's error is on the scale of the gradients' own (a
    summation-order error of ε in the gradients is ε in m and √v, 2ε in v).

    Every element counts: the trainer computes f(data) and f(samples) in two forward passes, so a
    parameter that shifts both alike (a last-layer unit in one LeakyReLU regime for all inputs) has
    a gradient of exactly 0 in any summation order. (With one forward of both, its gradient was
    the rounding residue of +S and −S terms summed mixed, ~1e-6 of the others; Adam, scale-free,
    turned that into a step of up to lr per iteration in a direction rounding picked, a 1e-3
    relative difference in that bias after 10 iterations.)"""
    a, b = read_safetensors(a_path), read_safetensors(b_path)
    assert set(a) == set(b), (sorted(set(a) ^ set(b)))
    worst, worst_name = 0.0, ""
    for name in a:
        if name.endswith("threads") or name.endswith("best_fd"):
            continue
        x, y = a[name].astype(np.float64).ravel(), b[name].astype(np.float64).ravel()
        if name.startswith("train/adam/v/"):
            x, y = np.sqrt(x), np.sqrt(y)
        den = np.linalg.norm(y)
        e = float(np.linalg.norm(x - y) / den) if den > 0 else float(np.linalg.norm(x - y))
        if e > worst:
            worst, worst_name = e, name
    return worst, worst_name, a


def metrics(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def assert_metrics_close(test, a_path, b_path, tol=1e-5):
    """Equal apart from timing: every figure within tol (relative, absolute below 1)."""
    a, b = metrics(a_path), metrics(b_path)
    test.assertEqual(len(a), len(b), f"{a_path} vs {b_path}")
    for la, lb in zip(a, b):
        test.assertEqual(set(la) - {"wall_s", "its_per_s"}, set(lb) - {"wall_s", "its_per_s"})
        for k in la:
            if k in ("wall_s", "its_per_s"):
                continue
            va, vb = np.array(la[k], dtype=object), np.array(lb[k], dtype=object)
            if isinstance(la[k], (int, float)) and not isinstance(la[k], bool):
                test.assertLessEqual(abs(la[k] - lb[k]), tol * max(1.0, abs(lb[k])), f"{k} at {la.get('iteration')}")
            elif isinstance(la[k], list):
                test.assertEqual(len(la[k]), len(lb[k]), k)
                for x, y in zip(la[k], lb[k]):
                    if x is None or y is None:
                        test.assertEqual(x, y, k)
                    else:
                        test.assertLessEqual(abs(x - y), tol * max(1.0, abs(y)), f"{k} at {la.get('iteration')}")
            else:
                test.assertEqual(va.tolist(), vb.tolist(), k)


def one_line(test, stderr, *fragments):
    lines = stderr.strip().splitlines()
    test.assertEqual(len(lines), 1, stderr)
    for f in fragments:
        test.assertIn(f, lines[0])


class DataParallel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The references: one process with the whole batch of 64, 10 iterations, one thread.
        run("train", *TINY, "--batch", "64", "--iters", "10", "--threads", "1", "--out", wk("one"))
        cls.two = wk("two")
        run("train", *TINY, "--batch", "64", "--iters", "10", "--nproc", "2", "--threads", "2", "--out", cls.two)

    def test_two_ranks_equal_one_process(self):
        err, name, state = relative_errors(wk("two/checkpoints/latest.safetensors"), wk("one/checkpoints/latest.safetensors"))
        self.assertLessEqual(err, 1e-5, f"{name} differs by {err:.3g} relative")
        self.assertTrue(any("adam" in k for k in state), sorted(state))  # the Adam state was compared too
        assert_metrics_close(self, wk("two/metrics.jsonl"), wk("one/metrics.jsonl"))
        # Rank 0 alone wrote the run: the same files as the single process, no lock left behind.
        self.assertEqual(sorted(os.listdir(wk("two"))), sorted(os.listdir(wk("one"))))
        self.assertEqual(sorted(os.listdir(wk("two/checkpoints"))), sorted(os.listdir(wk("one/checkpoints"))))

    def test_uneven_batch_is_handled(self):
        # 63 chains over 3 ranks (21 each) and over 2 ranks (31 + 32): both equal one process.
        run("train", *TINY, "--batch", "63", "--iters", "4", "--threads", "1", "--out", wk("one63"))
        for n in (3, 2):
            out = wk(f"uneven{n}")
            run("train", *TINY, "--batch", "63", "--iters", "4", "--nproc", str(n), "--threads", str(n), "--out", out)
            err, name, _ = relative_errors(out + "/checkpoints/latest.safetensors", wk("one63/checkpoints/latest.safetensors"))
            self.assertLessEqual(err, 1e-5, f"{n} ranks: {name} differs by {err:.3g}")
            assert_metrics_close(self, out + "/metrics.jsonl", wk("one63/metrics.jsonl"))
        # Fewer chains than ranks: one line, no run directory.
        p = run("train", *TINY, "--batch", "2", "--iters", "2", "--nproc", "3", "--threads", "3", "--out", wk("tiny_batch"), expect=1)
        self.assertIn("--batch 2 is smaller than the 3 ranks", p.stderr)
        self.assertFalse(os.path.exists(wk("tiny_batch/checkpoints/latest.safetensors")))

    def test_resume_with_another_world_size(self):
        out = wk("two_then_one")
        run("train", *TINY, "--batch", "64", "--iters", "5", "--nproc", "2", "--threads", "2", "--out", out)
        run("train", "--resume", out, "--iters", "10", "--threads", "1")
        err, name, _ = relative_errors(out + "/checkpoints/latest.safetensors", self.two + "/checkpoints/latest.safetensors")
        self.assertLessEqual(err, 1e-5, f"{name} differs by {err:.3g}")
        assert_metrics_close(self, out + "/metrics.jsonl", self.two + "/metrics.jsonl")

    def test_killed_rank_ends_the_other_and_resumes(self):
        out, port = wk("killed"), free_port()
        args = ["train", *TINY, "--batch", "64", "--iters", "100000", "--threads", "1", "--dist-timeout", "20", "--out", out]
        ranks = start_two_ranks(args, port)

        def past_a_checkpoint():
            # Past the checkpoint of iteration 5 (metrics.jsonl says so).
            t0 = time.monotonic()
            while time.monotonic() - t0 < 60:
                if os.path.exists(out + "/metrics.jsonl") and any(m.get("event") == "checkpoint" for m in metrics(out + "/metrics.jsonl")):
                    return
                self.assertIsNone(ranks[0].poll(), ranks[0].stderr.read() if ranks[0].poll() is not None else "")
                time.sleep(0.1)
            self.fail("no checkpoint within 60 s")

        err, waited = kill_rank_one_and_wait(ranks, past_a_checkpoint)
        self.assertNotEqual(ranks[0].returncode, 0)
        self.assertLess(waited, 20 + 10, "rank 0 outlived --dist-timeout")
        one_line(self, err, "rank 0 of 2")
        # The run continues from its last checkpoint in one process.
        run("train", "--resume", out, "--iters", "12", "--threads", "1")
        self.assertEqual(metrics(out + "/metrics.jsonl")[-1]["iteration"], 12)

    def test_bad_launch_environments_are_one_line(self):
        base = ["train", *TINY, "--batch", "8", "--iters", "2", "--threads", "1", "--dist-timeout", "3"]
        p = run(*base, "--out", wk("bad_rank"), env=clean_env(RANK="x", WORLD_SIZE=2, MASTER_ADDR="127.0.0.1"), expect=1)
        one_line(self, p.stderr, "RANK='x'")
        p = run(*base, "--out", wk("bad_rank2"), env=clean_env(RANK=2, WORLD_SIZE=2, MASTER_ADDR="127.0.0.1"), expect=1)
        one_line(self, p.stderr, "RANK='2'", "0..1")
        p = run(*base, "--out", wk("no_world"), env=clean_env(RANK=0), expect=1)
        one_line(self, p.stderr, "WORLD_SIZE is not set")
        # Rank 1 with no rank 0 listening: gives up within the timeout.
        t0 = time.monotonic()
        p = run(*base, "--out", wk("nobody"), env=rank_env(1, 2, free_port()), expect=1)
        self.assertLess(time.monotonic() - t0, 30)
        one_line(self, p.stderr, "rank 1 of 2", "could not reach rank 0")
        # Rank 0 on a port that is taken.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            p = run(*base, "--out", wk("port_taken"), env=rank_env(0, 2, s.getsockname()[1]), expect=1)
        one_line(self, p.stderr, "rank 0 of 2", "could not open the rendezvous")
        self.assertFalse(os.path.exists(wk("port_taken/config.json")))

    def test_mismatched_settings_stop_every_rank(self):
        port = free_port()
        base = ["train", *TINY, "--batch", "8", "--iters", "2", "--threads", "1", "--dist-timeout", "20", "--out", wk("mismatch")]
        ranks = [subprocess.Popen([SHORTRUN, *base, "--lr", lr], env=rank_env(r, 2, port), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for r, lr in ((0, "0.0001"), (1, "0.0002"))]
        errs = [p.communicate(timeout=60)[1] for p in ranks]
        for p, err in zip(ranks, errs):
            self.assertNotEqual(p.returncode, 0, err)
        one_line(self, errs[1], "rank 1 of 2", "'lr'")
        one_line(self, errs[0], "rank 0 of 2", "rank 1 was started with other settings")
        self.assertFalse(os.path.exists(wk("mismatch/config.json")))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class DataParallelSampling(unittest.TestCase):
    """`sample` and `eval` split their chains over ranks (global chain indices, whole --chunk
    units), rank 0 gathers and writes: the outputs equal one process's bit for bit."""

    @classmethod
    def setUpClass(cls):
        cls.model = wk("sample_model")
        if not os.path.exists(cls.model + "/model.safetensors"):
            run("train", *TINY, "--batch", "16", "--iters", "2", "--threads", "1", "--out", cls.model)

    def sample(self, name, *extra, expect=0, env=None):
        out = wk(name)
        os.makedirs(out, exist_ok=True)
        p = run("sample", "--model", self.model, "--n", "100", "--steps", "7", "--npy", out + "/x.npy",
                "--trajectory", out + "/t.npy", "--every", "3", "--json", out + "/r.json", "--out", out + "/grid.png",
                *extra, expect=expect, env=env)
        return out, p

    def assert_same_outputs(self, a, b, mala=False):
        for f in ("x.npy", "t.npy", "grid.png"):
            self.assertEqual(read_bytes(os.path.join(a, f)), read_bytes(os.path.join(b, f)), f"{a}/{f} vs {b}/{f}")
        ja, jb = (json.loads(read_bytes(os.path.join(d, "r.json"))) for d in (a, b))
        self.assertEqual(ja["frozen_chains"], jb["frozen_chains"])
        if mala:
            self.assertEqual(ja["mala"]["accept_rate_per_chain"], jb["mala"]["accept_rate_per_chain"])
            self.assertEqual(ja["mala"]["accept_rate_per_step"], jb["mala"]["accept_rate_per_step"])
            # The mean: float32 sums per batch, so its 7th digit may differ.
            self.assertAlmostEqual(ja["mala"]["accept_rate_mean"], jb["mala"]["accept_rate_mean"], delta=1e-6)

    def test_sample_split_over_ranks_equals_one_process(self):
        one, _ = self.sample("sample_one", "--threads", "1")
        x = np.load(one + "/x.npy")
        self.assertEqual(x.shape[0], 100)
        self.assertTrue(np.isfinite(x).all())
        # 2 ranks (48 + 52 chains in chunks of 16); 3 ranks in several rounds of 32 chains each.
        two, p = self.sample("sample_two", "--nproc", "2", "--threads", "2")
        self.assertEqual(p.stderr, "")
        self.assertEqual(p.stdout.count("sampled 100 chains"), 1, p.stdout)  # rank 0 alone reports
        self.assert_same_outputs(two, one)
        three, _ = self.sample("sample_three", "--nproc", "3", "--threads", "3", "--batch-chains", "32")
        self.assert_same_outputs(three, one)
        # Under a launcher's environment (as torchrun sets it): the same, rank 0 writes.
        port = free_port()
        tr = wk("sample_env")
        os.makedirs(tr, exist_ok=True)
        args = ["sample", "--model", self.model, "--n", "100", "--steps", "7", "--npy", tr + "/x.npy", "--trajectory",
                tr + "/t.npy", "--every", "3", "--json", tr + "/r.json", "--out", tr + "/grid.png", "--threads", "1"]
        ranks = [subprocess.Popen([SHORTRUN, *args], env=rank_env(r, 2, port), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for r in range(2)]
        outs = [p.communicate(timeout=120) for p in ranks]
        self.assertEqual([p.returncode for p in ranks], [0, 0], outs)
        self.assert_same_outputs(tr, one)
        # MALA's per-chain and per-step acceptance are gathered too.
        m1, _ = self.sample("mala_one", "--mala", "--threads", "1")
        m2, _ = self.sample("mala_two", "--mala", "--nproc", "2", "--threads", "2")
        self.assert_same_outputs(m2, m1, mala=True)

    def test_eval_split_over_ranks_equals_one_process(self):
        args = ["eval", "--model", self.model, "--data", "fashion-mnist", "--n", "200", "--no-memorisation", "--steps", "5"]
        one = json.loads(run(*args, "--threads", "1").stdout.strip().splitlines()[-1])
        p = run(*args, "--nproc", "2", "--threads", "2")
        lines = [l for l in p.stdout.strip().splitlines() if l.startswith("{")]
        self.assertEqual(len(lines), 1, p.stdout)  # rank 0 alone prints the result
        two = json.loads(lines[0])
        for key in ("fd", "fd_floor_train", "fd_ceiling_noise", "energy_samples", "saturated_fraction", "non_finite_samples"):
            self.assertEqual(two[key], one[key], key)
        self.assertEqual(two["protocol"], one["protocol"])

    def test_sample_failures_are_one_line(self):
        # A rank that dies: the other ends non-zero with one line within --dist-timeout.
        port = free_port()
        timeout = 15
        args = ["sample", "--model", self.model, "--n", "4000", "--steps", "100000", "--batch-chains", "4000", "--npy",
                wk("killed_x.npy"), "--threads", "1", "--dist-timeout", str(timeout), "--quiet"]
        ranks = start_two_ranks(args, port)

        def in_their_chains():
            time.sleep(3)  # rendezvous and settings check are done by now (if not, see the bound below)
            self.assertIsNone(ranks[0].poll())

        # Rank 0's liveness checks notice within a second or so and stop its chains.
        err, waited = kill_rank_one_and_wait(ranks, in_their_chains)
        self.assertNotEqual(ranks[0].returncode, 0)
        # In its chains, rank 0 notices within about a second; on a loaded machine the kill may come
        # while the ranks still meet, where the store's wait and Gloo's connect each take up to
        # --dist-timeout (README: up to twice it).
        self.assertLess(waited, 2 * timeout + 10, "rank 0 outlived --dist-timeout")
        one_line(self, err, "rank 0 of 2")
        self.assertFalse(os.path.exists(wk("killed_x.npy")))
        # A rank that cannot open its model: both stop at once, one line each, nothing written.
        port = free_port()
        out = wk("bad_model_x.npy")
        ranks = [subprocess.Popen([SHORTRUN, "sample", "--model", m, "--n", "8", "--npy", out, "--threads", "1",
                                   "--dist-timeout", "60"], env=rank_env(r, 2, port), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
                 for r, m in ((0, self.model), (1, wk("no_such_model.safetensors")))]
        t0 = time.monotonic()
        errs = [p.communicate(timeout=120)[1] for p in ranks]
        self.assertLess(time.monotonic() - t0, 30, "a rank waited for --dist-timeout")
        self.assertEqual([p.returncode != 0 for p in ranks], [True, True], errs)
        one_line(self, errs[1], "no_such_model")
        one_line(self, errs[0], "rank 0 of 2", "another rank could not start")
        self.assertFalse(os.path.exists(out))
        # Other settings on one rank (--n): one line each.
        port = free_port()
        ranks = [subprocess.Popen([SHORTRUN, "sample", "--model", self.model, "--n", n, "--npy", out, "--threads", "1",
                                   "--dist-timeout", "20"], env=rank_env(r, 2, port), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for r, n in ((0, "8"), (1, "9"))]
        errs = [p.communicate(timeout=60)[1] for p in ranks]
        one_line(self, errs[1], "rank 1 of 2", "'n'")
        one_line(self, errs[0], "rank 0 of 2", "rank 1 was started with other settings")
        self.assertFalse(os.path.exists(out))
        # What is not split is refused in one line.
        p = run("sample", "--model", self.model, "--n", "8", "--continue-to", "20", "--nproc", "2", "--out", "", expect=2)
        self.assertIn("--continue-to", p.stderr)


if __name__ == "__main__":
    probe = subprocess.run([SHORTRUN, "train", *TINY, "--batch", "8", "--nproc", "2", "--iters", "0", "--out", wk("probe")],
                           capture_output=True, text=True, env=clean_env(), timeout=120)
    if "built without data-parallel support" in probe.stderr:
        print("test_data_parallel: skipped: " + probe.stderr.strip())
        sys.exit(0)
    unittest.main(verbosity=2)
