#pragma once
// The events ECS sends to EventBridge, made from the event log's changes:
// "ECS Task State Change" when a task's version rises, "ECS Container
// Instance State Change" when an instance's record changes (its status,
// its agent's connection, its attributes), and "ECS Container Instance
// Health Change" when its overall health or one of its checks' status
// changes (an agent lost, a GPU IMPAIRED or OK again: the checks
// DescribeContainerInstances shows with include CONTAINER_INSTANCE_HEALTH).
// Each is an EventBridge envelope
// (source "aws.ecs", the resource ARNs, the detail in ECS's shape with
// ISO 8601 timestamps) plus gantry's "revision", the store revision a
// stream resumes from. Removals (a stopped task expiring) send nothing, as
// on ECS.
#include <boost/json.hpp>

#include <vector>

#include "state/event_log.h"

namespace gantry::ecs {

inline constexpr std::string_view kTaskStateChange = "ECS Task State Change";
inline constexpr std::string_view kContainerInstanceStateChange =
    "ECS Container Instance State Change";
inline constexpr std::string_view kContainerInstanceHealthChange =
    "ECS Container Instance Health Change";

// The events one logged change makes (none, one, or an instance's state and
// health changes). The envelope's id is derived from the revision, the key
// and the kind, so a replay repeats it.
std::vector<boost::json::object> ecs_events(const state::LoggedChange& change);

// "2026-12-03T11:00:00.250Z", as EventBridge and ECS's event details write time.
std::string iso8601(core::SystemTime time);

}  // namespace gantry::ecs
