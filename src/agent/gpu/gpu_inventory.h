#pragma once
// The machine's NVIDIA GPUs as NVML lists them, and what the agent
// registers for them: a GPU resource of their UUIDs and the attributes the
// ECS agent sets on GPU instances, with the model usable in memberOf.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agent/gpu/nvml_library.h"

namespace gantry::agent::gpu {

struct GpuDevice {
  unsigned index = 0;
  nvmlDevice_t handle = nullptr;
  std::string uuid;
  std::string name;
  int64_t memory_mib = 0;
  std::string pci_bus_id;
};

struct GpuInventory {
  std::string driver_version;
  std::vector<GpuDevice> devices;
};

// Throws std::runtime_error when NVML cannot list the GPUs. A GPU whose
// UUID cannot be read is left out, with a warning: it cannot be offered.
GpuInventory discover(const NvmlLibrary& nvml);

// The registration's attributes: `ecs.capability.nvidia-driver-version.<v>`
// as the ECS agent names it, and gantry's `gantry.gpu.driver-version` and
// `gantry.gpu.model` (the first GPU's name) with values, for memberOf
// expressions such as `attribute:gantry.gpu.model == "NVIDIA H100 80GB HBM3"`.
std::vector<std::pair<std::string, std::string>> gpu_attributes(const GpuInventory& inventory);

}  // namespace gantry::agent::gpu
