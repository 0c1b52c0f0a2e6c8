"""tools/nvml_check.py against the fake NVML (tests/fake_nvml): the script
that checks the real NVML path on a GPU machine, run here on the fake the
agent's GPU tests load, so that both read the ABI alike. No gantry runs:
the fake library is found next to $GANTRY_BIN, where the build puts it."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "nvml_check.py")
RUN_TIMEOUT_S = 60

FIRST = "GPU-5c3d0c5e-0000-0000-0000-000000000001"
SECOND = "GPU-5c3d0c5e-0000-0000-0000-000000000002"


def fake_library():
    binary = os.environ.get("GANTRY_BIN")
    if not binary:
        raise RuntimeError("set GANTRY_BIN to the gantry binary; the fake NVML is built beside it")
    path = os.path.join(os.path.dirname(binary), "libnvidia-ml-fake.so")
    if not os.path.exists(path):
        raise RuntimeError("no %s: build the gantry_fake_nvml target" % path)
    return path


def sanitizer_environment(library):
    """In the sanitizer build the fake needs libasan, which refuses to be
    dlopened into an uninstrumented python: preload it, and leave python's
    own allocations at exit unreported."""
    ldd = shutil.which("ldd")
    if not ldd:
        return {}
    listing = subprocess.run([ldd, library], capture_output=True, text=True).stdout
    match = re.search(r"^\s*libasan\.so\S*\s+=>\s+(\S+)", listing, re.MULTILINE)
    if not match:
        return {}
    options = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": match.group(1),
            "ASAN_OPTIONS": (options + ":" if options else "") + "detect_leaks=0"}


def path_without_nvidia_smi():
    return os.pathsep.join(
        entry for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not os.path.exists(os.path.join(entry, "nvidia-smi")))


class NvmlCheckTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.library = fake_library()

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="gantry-nvml-")
        self.addCleanup(shutil.rmtree, self.directory, ignore_errors=True)
        self.config = os.path.join(self.directory, "nvml.json")

    def write_config(self, gpus):
        with open(self.config, "w") as out:
            json.dump({"driver_version": "550.54.15", "gpus": gpus}, out)

    def run_check(self, config=None):
        environment = dict(os.environ, GANTRY_FAKE_NVML=config or self.config,
                           PATH=path_without_nvidia_smi())
        environment.update(sanitizer_environment(self.library))
        done = subprocess.run([sys.executable, SCRIPT, "--library", self.library],
                              env=environment, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S)
        return done.returncode, done.stdout + done.stderr

    def assert_lines(self, output, *patterns):
        for pattern in patterns:
            self.assertRegex(output, re.compile(pattern, re.MULTILINE))

    def test_two_healthy_gpus_with_an_xid(self):
        self.write_config([
            {"uuid": FIRST, "pci_bus_id": "00000000:18:00.0", "xids": [79],
             "recovery_action": 2},
            {"uuid": SECOND, "name": "NVIDIA A100-SXM4-40GB", "memory_mib": 40960},
        ])
        status, output = self.run_check()
        self.assertEqual(status, 0, output)
        self.assert_lines(
            output,
            r"^nvmlInit_v2: SUCCESS",
            r"^driver version: 550\.54\.15$",
            r"^device count: 2$",
            r"^  uuid: %s$" % FIRST,
            r"^  name: NVIDIA H100 80GB HBM3$",
            r"^  memory total: 85520809984 bytes \(81559 MiB\)$",
            r"^  pci bus id: 00000000:18:00\.0 \(legacy 0000:18:00\.0; domain 0 bus 24 device 0\)$",
            r"^  uuid: %s$" % SECOND,
            r"^  name: NVIDIA A100-SXM4-40GB$",
            r"^  memory total: 42949672960 bytes \(40960 MiB\)$",
            r"^nvidia-smi: not found; skipping the UUID comparison$",
            r"^gpu 0: supported event types: 0xb \(SingleBitEccError, DoubleBitEccError, "
            r"XidCriticalError\)$",
            r"^gpu 1: register XidCriticalError events: SUCCESS",
            r"^event wait \(100 ms\): EVENT XidCriticalError xid=79 gpu=0 uuid=%s " % FIRST,
            r"^nvmlEventSetFree: SUCCESS",
            r"^nvmlShutdown: SUCCESS",
            r"^result: OK$")
        # The recovery actions, in GPU order.
        actions = re.findall(r"^  recovery action \(field 230\): (.*)$", output, re.MULTILINE)
        self.assertEqual(actions, ["2 NODE_REBOOT", "0 NONE"])

    def test_no_xid_waits_out_the_timeout(self):
        self.write_config([{"uuid": FIRST}])
        status, output = self.run_check()
        self.assertEqual(status, 0, output)
        self.assert_lines(output, r"^event wait \(100 ms\): TIMEOUT \(no event\)$")

    def test_lost_gpu_fails_the_check(self):
        self.write_config([
            {"uuid": FIRST, "hw_slowdown": True, "pending_remapped_rows": True,
             "uncorrected_ecc": 3},
            {"uuid": SECOND, "lost": True, "xids": [79]},
        ])
        status, output = self.run_check()
        # A GPU that does not enumerate is a failed check: it is what the
        # script exists to catch.
        self.assertEqual(status, 1, output)
        gpu1 = output[output.index("gpu 1:"):output.index("nvidia-smi:")]
        for label in ("uuid", "name", "memory total", "pci bus id"):
            self.assertIn("  %s: GPU_IS_LOST (GPU is lost)" % label, gpu1)
        self.assert_lines(
            output,
            r"^  uuid: %s$" % FIRST,
            r"^gpu 1: supported event types: GPU_IS_LOST",
            # The lost GPU registers nothing, so its XID never arrives.
            r"^event wait \(100 ms\): TIMEOUT",
            r"^  uncorrected volatile ECC errors: 3$",
            r"^  remapped rows: corrected 0, uncorrected 1, pending 1, failure 0$",
            r"^  clocks event reasons \(nvmlDeviceGetCurrentClocksEventReasons\): 0x8 "
            r"\(HwSlowdown\)$",
            r"^failure: gpu 1: uuid: GPU_IS_LOST",
            r"^result: FAILED$")
        health = output[output.index("gpu 1 health:"):]
        self.assertIn("  recovery action (field 230): GPU_IS_LOST", health)

    def test_missing_file_is_driver_not_loaded(self):
        status, output = self.run_check(os.path.join(self.directory, "absent.json"))
        self.assertEqual(status, 1, output)
        self.assert_lines(output, r"^nvmlInit_v2: DRIVER_NOT_LOADED \(Driver Not Loaded\)$",
                          r"^result: FAILED")
        self.assertNotIn("device count", output)

    def test_unparsable_file_is_driver_not_loaded(self):
        with open(self.config, "w") as out:
            out.write('{"gpus": [{"uuid": ')
        status, output = self.run_check()
        self.assertEqual(status, 1, output)
        self.assert_lines(output, r"^nvmlInit_v2: DRIVER_NOT_LOADED")


if __name__ == "__main__":
    unittest.main()
