#pragma once
// An external service's task sets, kept in its record as "taskSets": ECS
// TaskSet shapes less what is counted when a client reads them
// (computedDesiredCount, pendingCount, runningCount). Commands and the
// service controller read and change them only here.
#include <boost/json.hpp>
#include <string_view>

#include "ecs/context.h"
#include "ecs/service_rules.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

// ECS: "5 deployments exist on the service. Unable to create new TaskSet
// since this exceeds the maximum limit." (its answer to a sixth).
inline constexpr size_t kMaxTaskSets = 5;

// The service's deploymentController type: ECS unless it names another.
std::string deployment_controller_type(const boost::json::object& service);

// EXTERNAL or CODE_DEPLOY: the service runs the task sets its caller
// manages, not deployments of its own.
bool uses_task_sets(const boost::json::object& service);

// The service's task sets (created empty when absent), and null-safe reads.
boost::json::array& task_sets(boost::json::object& service);
const boost::json::array* task_sets(const boost::json::object& service);

// The task set an identifier names: its id (ecs-svc/N) or its ARN; null
// when the service has none so named.
boost::json::object* find_task_set(boost::json::object& service, std::string_view identifier);
const boost::json::object* find_task_set(const boost::json::object& service,
                                         std::string_view identifier);

// computedDesiredCount: the service's desiredCount times the scale's
// percentage, "always rounded up" (botocore, TaskSet.computedDesiredCount);
// 0 for a DRAINING task set, whose tasks are being stopped.
int64_t computed_desired_count(const boost::json::object& service,
                               const boost::json::object& task_set);

// A Scale as stored: `given`'s value and unit over 0 % (a scale not given
// is 0 %: the ECS CLI's create-task-set example answers {"value": 0.0,
// "unit": "PERCENT"}); refuses a value outside 0 to 100 ("Accepted values
// are numbers between 0 and 100", botocore, Scale.value).
boost::json::object scale_of(const boost::json::object* given);

// Sets stabilityStatus (STEADY_STATE or STABILIZING) and, when it changes,
// stabilityStatusAt.
void set_stability(boost::json::object& task_set, bool steady, double now);

// After the service's desiredCount changed from `desired_before`: the task
// sets whose computed count moved are STABILIZING again.
void rescale_task_sets(boost::json::object& service, int64_t desired_before, double now);

// A new task set (status ACTIVE, STABILIZING) of `service` in `cluster`, running
// `definition` on `capacity`, with the members of a
// CreateTaskSet request `members` names (externalId, networkConfiguration,
// loadBalancers, serviceRegistries, platformVersion, scale, tags).
boost::json::object new_task_set(const Context& context, std::string_view cluster,
                                 const boost::json::object& service,
                                 const boost::json::object& members,
                                 const state::TaskDefinitionRecord& definition,
                                 const ServiceCapacity& capacity);

// The ECS TaskSet shape, its counts read from the tasks (startedBy its id);
// "tags" only when asked for (DescribeTaskSets' include: TAGS).
boost::json::object render_task_set(const state::ClusterState& state, std::string_view cluster,
                                    const boost::json::object& service,
                                    const boost::json::object& task_set, bool include_tags);
// Every task set of the service, rendered (DescribeServices' taskSets).
boost::json::array render_task_sets(const state::ClusterState& state, std::string_view cluster,
                                    const boost::json::object& service, bool include_tags);

}  // namespace gantry::ecs
