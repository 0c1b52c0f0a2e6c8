#!/usr/bin/env python3
"""Checks, read-only, the NVML calls the gantry agent makes, on a machine
with an NVIDIA GPU: loads libnvidia-ml.so.1 (or --library), initializes it,
enumerates the GPUs (UUID, name, memory, PCI bus id) and compares their
UUIDs with `nvidia-smi -L`, registers one event set for XID critical errors
and waits 100 ms on it, and reads the health signals the agent polls: the
GPU recovery action field, uncorrected volatile ECC errors, remapped rows
and the clocks event reasons. It changes no GPU setting.

The struct layouts are those of src/agent/gpu/nvml_abi.h (NVML R550).

Exit status: 0 when NVML initialized and every GPU enumerated (and, where
nvidia-smi exists, every UUID matched it); 1 otherwise, a lost GPU
included. The health signals are reported, never judged: a driver may not
support some of them.
"""
import argparse
import ctypes
import re
import shutil
import subprocess
import sys

DEFAULT_LIBRARY = "libnvidia-ml.so.1"

RETURN_NAMES = {
    0: "SUCCESS", 1: "UNINITIALIZED", 2: "INVALID_ARGUMENT", 3: "NOT_SUPPORTED",
    4: "NO_PERMISSION", 5: "ALREADY_INITIALIZED", 6: "NOT_FOUND", 7: "INSUFFICIENT_SIZE",
    8: "INSUFFICIENT_POWER", 9: "DRIVER_NOT_LOADED", 10: "TIMEOUT", 11: "IRQ_ISSUE",
    12: "LIBRARY_NOT_FOUND", 13: "FUNCTION_NOT_FOUND", 14: "CORRUPTED_INFOROM",
    15: "GPU_IS_LOST", 16: "RESET_REQUIRED", 17: "OPERATING_SYSTEM",
    18: "LIB_RM_VERSION_MISMATCH", 19: "IN_USE", 20: "MEMORY", 21: "NO_DATA",
    22: "VGPU_ECC_NOT_SUPPORTED", 23: "INSUFFICIENT_RESOURCES", 24: "FREQ_NOT_SUPPORTED",
    25: "ARGUMENT_VERSION_MISMATCH", 26: "DEPRECATED", 27: "NOT_READY", 28: "GPU_NOT_FOUND",
    29: "INVALID_STATE", 999: "UNKNOWN",
}
SUCCESS = 0
TIMEOUT = 10

UUID_BUFFER_SIZE = 96  # NVML_DEVICE_UUID_V2_BUFFER_SIZE
NAME_BUFFER_SIZE = 96  # NVML_DEVICE_NAME_V2_BUFFER_SIZE
DRIVER_VERSION_BUFFER_SIZE = 80  # NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE

EVENT_XID_CRITICAL = 0x8
EVENT_TYPES = [
    (0x1, "SingleBitEccError"), (0x2, "DoubleBitEccError"), (0x4, "PState"),
    (0x8, "XidCriticalError"), (0x10, "Clock"), (0x80, "PowerSourceChange"),
    (0x100, "MigConfigChange"),
]
CLOCKS_EVENT_REASONS = [
    (0x1, "GpuIdle"), (0x2, "ApplicationsClocksSetting"), (0x4, "SwPowerCap"),
    (0x8, "HwSlowdown"), (0x10, "SyncBoost"), (0x20, "SwThermalSlowdown"),
    (0x40, "HwThermalSlowdown"), (0x80, "HwPowerBrakeSlowdown"), (0x100, "DisplayClockSetting"),
]
FIELD_GPU_RECOVERY_ACTION = 230  # NVML_FI_DEV_GET_GPU_RECOVERY_ACTION
RECOVERY_ACTIONS = {0: "NONE", 1: "GPU_RESET", 2: "NODE_REBOOT", 3: "DRAIN_P2P",
                    4: "DRAIN_AND_RESET", 5: "GPU_RESET_BUS"}
MEMORY_ERROR_TYPE_UNCORRECTED = 1
VOLATILE_ECC = 0

c_device = ctypes.c_void_p  # nvmlDevice_t
c_event_set = ctypes.c_void_p  # nvmlEventSet_t


class Memory(ctypes.Structure):  # nvmlMemory_t
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong),
                ("used", ctypes.c_ulonglong)]


class PciInfo(ctypes.Structure):  # nvmlPciInfo_t
    _fields_ = [("busIdLegacy", ctypes.c_char * 16), ("domain", ctypes.c_uint),
                ("bus", ctypes.c_uint), ("device", ctypes.c_uint),
                ("pciDeviceId", ctypes.c_uint), ("pciSubSystemId", ctypes.c_uint),
                ("busId", ctypes.c_char * 32)]


class EventData(ctypes.Structure):  # nvmlEventData_t
    _fields_ = [("device", c_device), ("eventType", ctypes.c_ulonglong),
                ("eventData", ctypes.c_ulonglong), ("gpuInstanceId", ctypes.c_uint),
                ("computeInstanceId", ctypes.c_uint)]


class Value(ctypes.Union):  # nvmlValue_t
    _fields_ = [("dVal", ctypes.c_double), ("uiVal", ctypes.c_uint), ("ulVal", ctypes.c_ulong),
                ("ullVal", ctypes.c_ulonglong), ("sllVal", ctypes.c_longlong),
                ("siVal", ctypes.c_int), ("usVal", ctypes.c_ushort)]


class FieldValue(ctypes.Structure):  # nvmlFieldValue_t
    _fields_ = [("fieldId", ctypes.c_uint), ("scopeId", ctypes.c_uint),
                ("timestamp", ctypes.c_longlong), ("latencyUsec", ctypes.c_longlong),
                ("valueType", ctypes.c_int), ("nvmlReturn", ctypes.c_int), ("value", Value)]


# nvmlValueType_t -> the union member it selects.
VALUE_MEMBERS = {0: "dVal", 1: "uiVal", 2: "ulVal", 3: "ullVal", 4: "sllVal", 5: "siVal",
                 6: "usVal"}

P = ctypes.POINTER
c_uint, c_ulonglong = ctypes.c_uint, ctypes.c_ulonglong
c_int, c_char_p = ctypes.c_int, ctypes.c_char_p
# name -> (argument types, required). All return nvmlReturn_t but nvmlErrorString.
SIGNATURES = {
    "nvmlInit_v2": ([], True),
    "nvmlShutdown": ([], True),
    "nvmlSystemGetDriverVersion": ([c_char_p, c_uint], True),
    "nvmlDeviceGetCount_v2": ([P(c_uint)], True),
    "nvmlDeviceGetHandleByIndex_v2": ([c_uint, P(c_device)], True),
    "nvmlDeviceGetUUID": ([c_device, c_char_p, c_uint], True),
    "nvmlDeviceGetName": ([c_device, c_char_p, c_uint], True),
    "nvmlDeviceGetMemoryInfo": ([c_device, P(Memory)], True),
    "nvmlDeviceGetPciInfo_v3": ([c_device, P(PciInfo)], True),
    "nvmlDeviceGetSupportedEventTypes": ([c_device, P(c_ulonglong)], True),
    "nvmlDeviceRegisterEvents": ([c_device, c_ulonglong, c_event_set], True),
    "nvmlEventSetCreate": ([P(c_event_set)], True),
    "nvmlEventSetWait_v2": ([c_event_set, P(EventData), c_uint], True),
    "nvmlEventSetFree": ([c_event_set], True),
    "nvmlDeviceGetTotalEccErrors": ([c_device, c_int, c_int, P(c_ulonglong)], False),
    "nvmlDeviceGetRemappedRows": ([c_device, P(c_uint), P(c_uint), P(c_uint), P(c_uint)], False),
    "nvmlDeviceGetCurrentClocksEventReasons": ([c_device, P(c_ulonglong)], False),
    # The same function under its name before R535.
    "nvmlDeviceGetCurrentClocksThrottleReasons": ([c_device, P(c_ulonglong)], False),
    "nvmlDeviceGetFieldValues": ([c_device, c_int, P(FieldValue)], False),
}


def decode_bits(bits, names):
    found = [name for bit, name in names if bits & bit]
    unknown = bits & ~sum(bit for bit, _ in names)
    if unknown:
        found.append("0x%x" % unknown)
    return ", ".join(found) or "none"


class Nvml:
    def __init__(self, path):
        self.library = ctypes.CDLL(path)
        self.library.nvmlErrorString.restype = ctypes.c_char_p
        self.library.nvmlErrorString.argtypes = [ctypes.c_int]
        self.functions = {}
        for name, (argtypes, required) in SIGNATURES.items():
            try:
                function = getattr(self.library, name)
            except AttributeError:
                if required:
                    raise RuntimeError("%s has no %s" % (path, name)) from None
                continue
            function.argtypes = argtypes
            function.restype = ctypes.c_int
            self.functions[name] = function

    def has(self, name):
        return name in self.functions

    def call(self, name, *args):
        return self.functions[name](*args)

    def describe(self, code):
        text = self.library.nvmlErrorString(code)
        return "%s (%s)" % (RETURN_NAMES.get(code, str(code)),
                            text.decode(errors="replace") if text else "?")


def nvidia_smi_uuids():
    """The GPU UUIDs `nvidia-smi -L` lists, in its order; None (and a note)
    when nvidia-smi is absent; raises RuntimeError when it fails."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        print("nvidia-smi: not found; skipping the UUID comparison")
        return None
    try:
        done = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuntimeError("nvidia-smi -L failed: %s" % error) from None
    if done.returncode != 0:
        raise RuntimeError("nvidia-smi -L exited %d: %s" % (done.returncode, done.stderr.strip()))
    # "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)"; MIG devices are indented.
    return [m.group(1) for m in re.finditer(r"^GPU \d+: .*\(UUID: (GPU-[^)]+)\)", done.stdout,
                                            re.MULTILINE)]


def check(nvml):
    """Runs the checks on an initialized NVML; returns the failures."""
    failures = []
    version = ctypes.create_string_buffer(DRIVER_VERSION_BUFFER_SIZE)
    rc = nvml.call("nvmlSystemGetDriverVersion", version, len(version))
    print("driver version: %s" % (version.value.decode() if rc == SUCCESS else nvml.describe(rc)))
    count = ctypes.c_uint()
    rc = nvml.call("nvmlDeviceGetCount_v2", ctypes.byref(count))
    if rc != SUCCESS:
        print("device count: %s" % nvml.describe(rc))
        return ["nvmlDeviceGetCount_v2: %s" % nvml.describe(rc)]
    print("device count: %d" % count.value)

    # Enumeration: what the agent reports as the instance's GPUs.
    devices = []  # (index, handle); a GPU without a handle is left out
    uuids = {}  # index -> uuid
    for index in range(count.value):
        handle = c_device()
        rc = nvml.call("nvmlDeviceGetHandleByIndex_v2", index, ctypes.byref(handle))
        print("gpu %d:" % index)
        if rc != SUCCESS:
            print("  handle: %s" % nvml.describe(rc))
            failures.append("gpu %d: handle: %s" % (index, nvml.describe(rc)))
            continue
        devices.append((index, handle))
        uuid = ctypes.create_string_buffer(UUID_BUFFER_SIZE)
        name = ctypes.create_string_buffer(NAME_BUFFER_SIZE)
        memory = Memory()
        pci = PciInfo()
        for label, rc, shown in (
                ("uuid", nvml.call("nvmlDeviceGetUUID", handle, uuid, len(uuid)),
                 lambda: uuid.value.decode()),
                ("name", nvml.call("nvmlDeviceGetName", handle, name, len(name)),
                 lambda: name.value.decode()),
                ("memory total", nvml.call("nvmlDeviceGetMemoryInfo", handle, ctypes.byref(memory)),
                 lambda: "%d bytes (%d MiB)" % (memory.total, memory.total // (1024 * 1024))),
                ("pci bus id", nvml.call("nvmlDeviceGetPciInfo_v3", handle, ctypes.byref(pci)),
                 lambda: "%s (legacy %s; domain %d bus %d device %d)" % (
                     pci.busId.decode(), pci.busIdLegacy.decode(), pci.domain, pci.bus,
                     pci.device))):
            if rc == SUCCESS:
                print("  %s: %s" % (label, shown()))
            else:
                print("  %s: %s" % (label, nvml.describe(rc)))
                failures.append("gpu %d: %s: %s" % (index, label, nvml.describe(rc)))
        if uuid.value:
            uuids[index] = uuid.value.decode()

    try:
        smi = nvidia_smi_uuids()
    except RuntimeError as error:
        print("nvidia-smi: %s" % error)
        failures.append(str(error))
        smi = None
    if smi is not None:
        for index in range(max(count.value, len(smi))):
            ours = uuids.get(index)
            theirs = smi[index] if index < len(smi) else None
            verdict = "MATCH" if ours and ours == theirs else "MISMATCH"
            print("nvidia-smi gpu %d: %s (nvml %s, nvidia-smi %s)" % (index, verdict, ours, theirs))
            if verdict != "MATCH":
                failures.append("gpu %d: nvidia-smi disagrees on the UUID" % index)

    # Events: the agent's XID watch, in miniature.
    event_set = c_event_set()
    rc = nvml.call("nvmlEventSetCreate", ctypes.byref(event_set))
    print("nvmlEventSetCreate: %s" % nvml.describe(rc))
    for index, handle in devices:
        types = ctypes.c_ulonglong()
        rc = nvml.call("nvmlDeviceGetSupportedEventTypes", handle, ctypes.byref(types))
        if rc != SUCCESS:
            print("gpu %d: supported event types: %s" % (index, nvml.describe(rc)))
            continue
        print("gpu %d: supported event types: 0x%x (%s)" % (index, types.value,
                                                             decode_bits(types.value, EVENT_TYPES)))
        if event_set.value and types.value & EVENT_XID_CRITICAL:
            rc = nvml.call("nvmlDeviceRegisterEvents", handle, EVENT_XID_CRITICAL, event_set)
            print("gpu %d: register XidCriticalError events: %s" % (index, nvml.describe(rc)))
    if event_set.value:
        data = EventData()
        rc = nvml.call("nvmlEventSetWait_v2", event_set, ctypes.byref(data), 100)
        if rc == SUCCESS:
            gpu = next((i for i, h in devices if h.value == data.device), None)
            print("event wait (100 ms): EVENT %s xid=%d gpu=%s uuid=%s gi=0x%x ci=0x%x" % (
                decode_bits(data.eventType, EVENT_TYPES), data.eventData, gpu,
                uuids.get(gpu), data.gpuInstanceId, data.computeInstanceId))
        elif rc == TIMEOUT:
            print("event wait (100 ms): TIMEOUT (no event)")
        else:
            print("event wait (100 ms): %s" % nvml.describe(rc))

    # Health: what the agent polls.
    clocks = ("nvmlDeviceGetCurrentClocksEventReasons"
              if nvml.has("nvmlDeviceGetCurrentClocksEventReasons")
              else "nvmlDeviceGetCurrentClocksThrottleReasons")
    for index, handle in devices:
        print("gpu %d health:" % index)
        if nvml.has("nvmlDeviceGetFieldValues"):
            field = FieldValue(fieldId=FIELD_GPU_RECOVERY_ACTION)
            rc = nvml.call("nvmlDeviceGetFieldValues", handle, 1, ctypes.byref(field))
            if rc == SUCCESS and field.nvmlReturn == SUCCESS:
                value = getattr(field.value, VALUE_MEMBERS.get(field.valueType, "uiVal"))
                print("  recovery action (field %d): %s %s" % (
                    FIELD_GPU_RECOVERY_ACTION, value, RECOVERY_ACTIONS.get(value, "?")))
            else:
                print("  recovery action (field %d): %s" % (FIELD_GPU_RECOVERY_ACTION,
                                                            nvml.describe(rc or field.nvmlReturn)))
        else:
            print("  recovery action: no nvmlDeviceGetFieldValues")
        if nvml.has("nvmlDeviceGetTotalEccErrors"):
            errors = ctypes.c_ulonglong()
            rc = nvml.call("nvmlDeviceGetTotalEccErrors", handle, MEMORY_ERROR_TYPE_UNCORRECTED,
                           VOLATILE_ECC, ctypes.byref(errors))
            print("  uncorrected volatile ECC errors: %s" % (
                errors.value if rc == SUCCESS else nvml.describe(rc)))
        else:
            print("  uncorrected volatile ECC errors: no nvmlDeviceGetTotalEccErrors")
        if nvml.has("nvmlDeviceGetRemappedRows"):
            rows = [ctypes.c_uint() for _ in range(4)]
            rc = nvml.call("nvmlDeviceGetRemappedRows", handle, *map(ctypes.byref, rows))
            shown = "corrected %d, uncorrected %d, pending %d, failure %d" % tuple(
                row.value for row in rows)
            print("  remapped rows: %s" % (shown if rc == SUCCESS else nvml.describe(rc)))
        else:
            print("  remapped rows: no nvmlDeviceGetRemappedRows")
        if nvml.has(clocks):
            reasons = ctypes.c_ulonglong()
            rc = nvml.call(clocks, handle, ctypes.byref(reasons))
            print("  clocks event reasons (%s): %s" % (clocks, (
                "0x%x (%s)" % (reasons.value, decode_bits(reasons.value, CLOCKS_EVENT_REASONS))
                if rc == SUCCESS else nvml.describe(rc))))
        else:
            print("  clocks event reasons: neither nvmlDeviceGetCurrentClocks*Reasons")

    if event_set.value:
        print("nvmlEventSetFree: %s" % nvml.describe(nvml.call("nvmlEventSetFree", event_set)))
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", default=DEFAULT_LIBRARY,
                        help="the NVML library to load (default %(default)s)")
    args = parser.parse_args()
    print("library: %s" % args.library)
    try:
        nvml = Nvml(args.library)
    except (OSError, RuntimeError) as error:
        print("cannot load NVML: %s" % error)
        print("result: FAILED")
        return 1
    rc = nvml.call("nvmlInit_v2")
    print("nvmlInit_v2: %s" % nvml.describe(rc))
    if rc != SUCCESS:
        print("result: FAILED (NVML did not initialize)")
        return 1
    try:
        failures = check(nvml)
    finally:
        print("nvmlShutdown: %s" % nvml.describe(nvml.call("nvmlShutdown")))
    for failure in failures:
        print("failure: %s" % failure)
    print("result: %s" % ("OK" if not failures else "FAILED"))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
