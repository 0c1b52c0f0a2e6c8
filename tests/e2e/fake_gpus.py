"""The fake NVML (tests/fake_nvml, built beside gantry) as the GPU tests use
it: one JSON file per agent, named by GANTRY_FAKE_NVML, that a test rewrites
to inject a fault (an XID to deliver once, a GPU lost)."""
import json
import os

from gantry_process import gantry_binary

DRIVER = "550.54.15"
MODEL = "NVIDIA H100 80GB HBM3"


def fake_nvml_library():
    return os.path.join(os.path.dirname(gantry_binary()), "libnvidia-ml-fake.so")


def gpu_uuid(node, index):
    return "GPU-%08d-0000-4000-8000-%012d" % (node, index)


class FakeGpus:
    """One agent's fake NVML file: `count` H100s, and the faults written to it."""

    def __init__(self, directory, node, count=2):
        self.path = os.path.join(directory, "nvml-%d.json" % node)
        self.gpus = [{"uuid": gpu_uuid(node, i), "name": MODEL, "memory_mib": 81559,
                      "pci_bus_id": "00000000:%02X:00.0" % (0x18 + i), "xids": []}
                     for i in range(count)]
        self.write()

    @property
    def uuids(self):
        return [gpu["uuid"] for gpu in self.gpus]

    def write(self):
        # A rename, so that NVML never reads a half-written file.
        with open(self.path + ".new", "w") as f:
            json.dump({"driver_version": DRIVER, "gpus": self.gpus}, f)
        os.replace(self.path + ".new", self.path)

    def fault(self, index, **members):
        xid = members.pop("xid", None)
        if xid is not None:
            self.gpus[index]["xids"].append(xid)
        self.gpus[index].update(members)
        self.write()

    def index_of(self, uuid):
        return self.uuids.index(uuid)
