"""`cmake --install` into a temporary prefix, then the installed programs run from another
directory: they find the bundled model and feature net under PREFIX/share/shortrun, not in the
source tree; `--version` says what the build is; the explorer keeps its settings under
$XDG_CONFIG_HOME (else $HOME/.config), which every test points into its own work folder.

usage: test_install.py BUILD_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

BUILD, WORK = (os.path.abspath(p) for p in sys.argv[1:3])
del sys.argv[1:3]


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.prefix = os.path.join(WORK, "prefix")
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
        p = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix], capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        cls.elsewhere = os.path.join(WORK, "elsewhere")
        os.makedirs(cls.elsewhere)
        # The installed programs see a home of their own: never the user's ~/.config or ~/.cache.
        cls.home = os.path.join(WORK, "home")
        os.makedirs(cls.home)
        cls.env = dict(os.environ, OMP_NUM_THREADS="1", HOME=cls.home, XDG_CONFIG_HOME=os.path.join(cls.home, ".config"),
                       XDG_CACHE_HOME=os.path.join(cls.home, ".cache"))

    def run_installed(self, *args):
        exe = os.path.join(self.prefix, "bin", "shortrun")
        env = self.env
        p = subprocess.run([exe, *args], capture_output=True, text=True, cwd=self.elsewhere, env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def test_layout(self):
        for rel in ["bin/shortrun", "share/shortrun/assets/fmnist.safetensors",
                    "share/shortrun/assets/fmnist_features.safetensors", "share/shortrun/assets/fmnist_vae.safetensors",
                    "share/shortrun/assets/fmnist_gan.safetensors"]:
            self.assertTrue(os.path.exists(os.path.join(self.prefix, rel)), rel)
        if os.path.exists(os.path.join(BUILD, "shortrun-explorer")):
            for rel in ["bin/shortrun-explorer", "share/shortrun/shaders/colormap.frag",
                        "share/applications/shortrun-explorer.desktop",
                        "share/icons/hicolor/scalable/apps/shortrun-explorer.svg",
                        "share/icons/hicolor/256x256/apps/shortrun-explorer.png"]:
                self.assertTrue(os.path.exists(os.path.join(self.prefix, rel)), rel)

    def test_installed_info_and_sample_use_the_installed_model(self):
        card = json.loads(self.run_installed("info", "--json").stdout)
        self.assertEqual(os.path.realpath(card["file"]),
                         os.path.realpath(os.path.join(self.prefix, "share/shortrun/assets/fmnist.safetensors")))
        self.run_installed("sample", "--n", "4", "--steps", "3", "--out", "s.png", "--threads", "1")
        with open(os.path.join(self.elsewhere, "s.png"), "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    @unittest.skipUnless(os.path.exists(os.path.join(BUILD, "shortrun-explorer")) and shutil.which("xvfb-run"),
                         "no explorer in this build, or no xvfb-run")
    def test_installed_explorer_keeps_its_settings_under_xdg_config_home(self):
        exe = os.path.join(self.prefix, "bin", "shortrun-explorer")
        xdg = os.path.join(WORK, "xdg_config")
        script = os.path.join(WORK, "wait_model.json")  # the model's load writes recent.json
        with open(script, "w") as f:
            json.dump([{"do": "wait", "for": "model", "timeout_s": 240}], f)
        for env, where in [(dict(self.env, XDG_CONFIG_HOME=xdg), os.path.join(xdg, "shortrun")),
                           ({k: v for k, v in self.env.items() if k != "XDG_CONFIG_HOME"},
                            os.path.join(self.home, ".config", "shortrun"))]:
            p = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", exe, "--script", script, "--threads", "1"],
                               capture_output=True, text=True, cwd=self.elsewhere, env=env, timeout=300)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertTrue(os.path.exists(os.path.join(where, "recent.json")), os.listdir(os.path.dirname(where)))
            self.assertTrue(os.path.exists(os.path.join(where, "imgui.ini")))
        self.assertFalse(os.path.exists(os.path.join(self.elsewhere, "imgui.ini")))

    def test_version_names_the_build(self):
        out = self.run_installed("--version").stdout.strip()
        self.assertRegex(out, r"^shortrun \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown), "
                              r"LibTorch [\w.+]+, CUDA (yes|no)\)$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
