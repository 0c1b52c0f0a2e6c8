#pragma once
// Who and within what limits a container's program runs, resolved in the
// agent before any fork: name lookups go through NSS, which may allocate
// and lock, so they cannot happen between fork and exec.
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/process_launch.h"
#include "agent/task_spec.h"

namespace gantry::agent {

// ECS's `user`: "uid", "uid:gid", "name", "name:group" (and mixes), with
// the user's supplementary groups. nullopt for "" (stay who the agent is).
// Throws DriverError (CannotStartContainerError) for an unknown name.
std::optional<launch::UserIds> resolve_user(const std::string& spec);

// ECS's ulimits by name; -1 is unlimited, as in Docker. Throws DriverError
// (CannotStartContainerError) for an unknown name.
std::vector<launch::ResourceLimit> resolve_ulimits(const std::vector<Ulimit>& ulimits);

}  // namespace gantry::agent
