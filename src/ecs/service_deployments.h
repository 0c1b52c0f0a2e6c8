#pragma once
// A service's deployments and events, kept in its document as ECS shows
// them: "deployments" (ECS Deployment shapes, the PRIMARY first, then the
// ACTIVE ones newest first) and "events" (newest first, at most 100).
// Commands and the service controller read and change them only here.
#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "core/random.h"
#include "ecs/context.h"
#include "state/records.h"

namespace gantry::ecs {

inline constexpr size_t kMaxServiceEvents = 100;
inline constexpr std::string_view kDeploymentPrefix = "ecs-svc/";

// "ecs-svc/" and 19 random digits, as ECS names deployments. The tasks a
// deployment starts carry it as their startedBy.
std::string new_deployment_id(core::Random& ids);
// The digits of "ecs-svc/<digits>": the id of the deployment's service
// revision and service deployment (their ARNs end with it).
std::string_view deployment_number(std::string_view deployment_id);

// The members of a deployment that a later deployment inherits unless an
// UpdateService changes them, and that are not kept on the Service shape.
inline constexpr std::string_view kDeploymentOnlyMembers[] = {
    "serviceConnectConfiguration", "volumeConfigurations", "vpcLatticeConfigurations"};

// A PRIMARY deployment, IN_PROGRESS, of what the service document now
// names (taskDefinition, desiredCount, launch type or capacity provider
// strategy, platform, network); `extra` supplies kDeploymentOnlyMembers.
boost::json::object new_deployment(const Context& context, const boost::json::object& service,
                                   const boost::json::object& extra);

// Puts `deployment` first as the PRIMARY; the PRIMARY before it becomes
// ACTIVE (updatedAt now). ECS drops an ACTIVE deployment, INACTIVE, once it
// has no tasks left: the controller does that.
void start_deployment(boost::json::object& service, boost::json::object deployment, double now);

// Drops the deployment `id` (once an ACTIVE one has no tasks left, ECS no
// longer shows it); true when there was one.
bool remove_deployment(boost::json::object& service, std::string_view id);

// What a service deployment went through beyond its Deployment shape, kept
// in the record's scheduler memory under the deployment's id (never shown):
//   "stopRequested": "ROLLBACK" | "ABORT"  StopServiceDeployment asked, the
//                                          controller has not yet acted
//   "stoppedAt": seconds                   stopped where it was (ABORT)
//   "rollback": {"reason", "startedAt", "deploymentId"}
//                                          rolled back to deploymentId (none:
//                                          there was no revision to return to)
// Once the service drops the deployment, the Deployment and this memory move
// to its history (scheduler["serviceDeploymentHistory"], newest first) with
// the status the service deployment ended in: ECS keeps a service's
// deployments after they finish ("the last 90 days"; gantry keeps the last
// kMaxDeploymentHistory).
inline constexpr size_t kMaxDeploymentHistory = 20;

// gantry's texts for a stop asked by StopServiceDeployment (ECS documents
// the statuses, not these words): the statusReason until the scheduler acts,
// the rolloutStateReason of the deployment it stopped (rolloutState FAILED,
// as a deployment that will not complete), and the Rollback's reason.
inline constexpr std::string_view kStopRequestedReason =
    "A StopServiceDeployment request asked to stop this service deployment.";
inline constexpr std::string_view kStoppedByRequestReason =
    "ECS deployment stopped by a StopServiceDeployment request.";
inline constexpr std::string_view kRollbackRequestedReason =
    "StopServiceDeployment requested a rollback to the last completed service revision.";
inline constexpr std::string_view kDeploymentHistoryKey = "serviceDeploymentHistory";

const boost::json::object* deployment_memory(const state::ServiceRecord& service,
                                             std::string_view id);
boost::json::object& deployment_memory(state::ServiceRecord& service, std::string_view id);
// Entries {"deployment", "memory", "status"}, newest first; null when none.
const boost::json::array* deployment_history(const state::ServiceRecord& service);

// Drops the deployment `id` from the service into its history, with the
// status its service deployment ended in (`final_status`).
void drop_deployment(state::ServiceRecord& service, std::string_view id,
                     std::string_view final_status);

// The PRIMARY deployment; null when the service has none.
boost::json::object* primary_deployment(boost::json::object& service);
const boost::json::object* primary_deployment(const boost::json::object& service);

// Sets a deployment's rolloutState (IN_PROGRESS, COMPLETED, FAILED) and its
// reason, and updatedAt.
void set_rollout_state(boost::json::object& deployment, std::string_view state, std::string reason,
                       double now);
// ECS's reason while a deployment rolls out.
std::string rollout_in_progress_reason(std::string_view deployment_id);

// Adds a service event (a new id, createdAt now), newest first; the oldest
// beyond 100 are dropped.
void add_service_event(boost::json::object& service, core::Random& ids, double now,
                       std::string message);

}  // namespace gantry::ecs
