#pragma once
// Task-level `cpu` and `memory` as ECS accepts them in RegisterTaskDefinition
// ("1024" or "1 vCPU"; "2048" or "2 GB"), and the sizes Fargate offers.
#include <optional>
#include <string_view>

namespace gantry::model {

// CPU units from "1024", "1 vCPU", "0.25 vcpu", "2vCPU" (unit case-insensitive,
// optional space). nullopt when the text is not a whole number of CPU units
// in one of these forms. The range is not checked here.
std::optional<int> parse_task_cpu(std::string_view text);

// MiB from "2048", "2 GB", "0.5GB", "1 GiB" (GB means GiB, as in ECS: 1GB is
// 1024 MiB). nullopt when the text is not a whole number of MiB in one of
// these forms.
std::optional<int> parse_task_memory(std::string_view text);

// The documented range of task-level cpu: 128 (0.125 vCPU) to 196608 (192 vCPU).
inline constexpr int kMinTaskCpu = 128;
inline constexpr int kMaxTaskCpu = 196608;

// Whether Fargate offers this (cpu units, MiB) pair.
bool is_fargate_size(int cpu, int memory);

}  // namespace gantry::model
