#pragma once
// What an XID means for the GPU that raised it, after NVIDIA's XID catalog
// (docs.nvidia.com/deploy/xid-errors): an application error leaves the GPU
// fit for the next job; a hardware fault makes it unhealthy until the action
// the catalog names (a GPU reset, a node reboot) has been taken.
#include <string_view>

namespace gantry::agent::gpu {

enum class XidClass {
  kApplication,  // the job's own fault or one it can retry: no node action
  kHardware,     // the GPU is unhealthy at once
};

// The catalog's resolution bucket for the XID.
enum class XidAction {
  kNone,            // informational, or the application's to handle
  kRestartApp,      // RESTART_APP
  kResetGpu,        // RESET_GPU
  kRebootNode,      // RESTART_BM: reboot the machine
  kContactSupport,  // CONTACT_SUPPORT: the board needs service
};

struct XidEntry {
  int xid;
  XidClass kind;
  XidAction action;
  std::string_view description;  // as the catalog names it
};

// The entry for `xid`. XIDs the catalog does not list are hardware faults
// with kResetGpu: an unknown error is not one a job should run into again
// (NVIDIA's Kubernetes device plugin treats them so too).
XidEntry classify_xid(int xid);

std::string_view xid_action_name(XidAction action);

}  // namespace gantry::agent::gpu
