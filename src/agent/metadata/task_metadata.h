#pragma once
// The JSON shapes of ECS's task metadata endpoint v4 (what a container reads
// at ${ECS_CONTAINER_METADATA_URI_V4} and .../task), rendered from the
// agent's view of a task. Member names follow ECS exactly; what gantry does
// not know is left out rather than made up.
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "agent/task_view.h"

namespace gantry::agent::metadata {

// Epoch seconds as RFC 3339 in UTC, as Go's RFC3339Nano writes it: the
// fraction (to microseconds) without trailing zeros, none when whole,
// e.g. "2020-10-02T00:15:07.620912Z".
std::string rfc3339(double epoch_seconds);

// The container named `container_name` of `task`: DockerId, Name, Image,
// Labels, DesiredStatus, KnownStatus, Limits, Type, Networks, and when
// known DockerName, ImageID, Ports, ExitCode, StartedAt, Health,
// RestartCount. nullopt when the task has no container of that name.
//
// Read from the driver's handle state when present: "name" (DockerName),
// "imageId" (ImageID), "ipv4Addresses" (an array of strings, or the string
// "ipAddress") for Networks, "createdAt" and "finishedAt" (epoch seconds).
std::optional<boost::json::object> container_metadata(const TaskView& task,
                                                      const std::string& container_name);

// The task: Cluster, TaskARN, Family, Revision, DesiredStatus, KnownStatus,
// Limits (CPU in vCPUs, Memory in MiB; left out when the task sets
// neither), PullStartedAt, PullStoppedAt, ExecutionStoppedAt, LaunchType
// ("EC2") and Containers, each as container_metadata() renders it.
boost::json::object task_metadata(const TaskView& task);

}  // namespace gantry::agent::metadata
