#include "agent/gpu/xid_catalog.h"

#include <algorithm>
#include <array>

namespace gantry::agent::gpu {

namespace {

using enum XidClass;
using enum XidAction;

// Sorted by XID. Application errors are those the catalog resolves with the
// application (RESTART_APP, or none); every other listed XID is hardware.
constexpr std::array kCatalog = {
    XidEntry{8, kApplication, kRestartApp, "GPU stopped processing"},
    XidEntry{13, kApplication, kRestartApp, "Graphics Engine Exception"},
    XidEntry{31, kApplication, kRestartApp, "GPU memory page fault"},
    XidEntry{32, kApplication, kRestartApp, "Invalid or corrupted push buffer stream"},
    XidEntry{38, kHardware, kResetGpu, "Driver firmware error"},
    XidEntry{43, kApplication, kRestartApp, "GPU stopped processing"},
    XidEntry{45, kApplication, kNone, "Preemptive cleanup, due to previous errors"},
    XidEntry{48, kHardware, kResetGpu, "Double Bit ECC Error"},
    XidEntry{56, kHardware, kResetGpu, "Display Engine error"},
    XidEntry{57, kHardware, kResetGpu, "Error programming video memory interface"},
    XidEntry{58, kHardware, kResetGpu, "Unstable video memory interface detected"},
    XidEntry{61, kHardware, kResetGpu, "Internal micro-controller breakpoint/warning"},
    XidEntry{62, kHardware, kResetGpu, "Internal micro-controller halt"},
    XidEntry{63, kApplication, kNone, "ECC page retirement or row remapping recording event"},
    XidEntry{64, kHardware, kResetGpu, "ECC page retirement or row remapper recording failure"},
    XidEntry{68, kApplication, kRestartApp, "NVDEC0 Exception"},
    XidEntry{69, kApplication, kRestartApp, "Graphics Engine class error"},
    XidEntry{74, kHardware, kResetGpu, "NVLINK Error"},
    XidEntry{79, kHardware, kRebootNode, "GPU has fallen off the bus"},
    XidEntry{92, kHardware, kResetGpu, "High single-bit ECC error rate"},
    XidEntry{94, kApplication, kRestartApp, "Contained ECC error"},
    XidEntry{95, kHardware, kResetGpu, "Uncontained ECC error"},
    XidEntry{109, kApplication, kRestartApp, "Context Switch Timeout Error"},
    XidEntry{119, kHardware, kResetGpu, "GSP RPC Timeout"},
    XidEntry{120, kHardware, kResetGpu, "GSP Error"},
    XidEntry{121, kApplication, kNone, "C2C Link corrected error"},
    XidEntry{123, kHardware, kResetGpu, "SPI PMU RPC write failure"},
    XidEntry{136, kHardware, kResetGpu, "Link training failed"},
    XidEntry{140, kHardware, kResetGpu, "Unrecovered ECC Error"},
    XidEntry{143, kHardware, kContactSupport, "GPU Initialization Failure"},
    XidEntry{144, kHardware, kResetGpu, "NVLINK SAW Error"},
    XidEntry{145, kHardware, kResetGpu, "NVLINK RLW Error"},
    XidEntry{149, kHardware, kResetGpu, "NVLINK NETIR Error"},
    XidEntry{154, kApplication, kNone, "GPU Recovery Action Changed"},
};

static_assert(std::ranges::is_sorted(kCatalog, {}, &XidEntry::xid), "kCatalog is sorted by XID");

}  // namespace

XidEntry classify_xid(int xid) {
  auto it = std::ranges::lower_bound(kCatalog, xid, {}, &XidEntry::xid);
  if (it != kCatalog.end() && it->xid == xid) return *it;
  return {xid, kHardware, kResetGpu, "Unknown XID"};
}

std::string_view xid_action_name(XidAction action) {
  switch (action) {
    case kNone:
      return "NONE";
    case kRestartApp:
      return "RESTART_APP";
    case kResetGpu:
      return "RESET_GPU";
    case kRebootNode:
      return "RESTART_BM";
    case kContactSupport:
      return "CONTACT_SUPPORT";
  }
  return "NONE";
}

}  // namespace gantry::agent::gpu
