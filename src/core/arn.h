#pragma once
// ECS ARNs: arn:aws:ecs:<region>:<account>:<type>/<id>. gantry is one
// region per request: a resource's ARN carries the region its creating
// request was signed for.
#include <optional>
#include <string>

namespace gantry::core {

struct Arn {
  std::string region;
  std::string account_id;
  std::string resource_type;  // "cluster", "task-definition", ...
  std::string resource_id;    // what follows "<type>/"
};

std::optional<Arn> parse_arn(std::string_view text);

// The last '/'-separated segment of an ARN (a task's, container instance's
// or attachment's id); the whole text when it has no '/'.
std::string_view arn_last_segment(std::string_view arn);

// The family a task definition ARN names ("web" of ".../web:3"); empty
// when it is not a task definition ARN with a revision.
std::string task_definition_family(std::string_view arn);

std::string cluster_arn(std::string_view region, std::string_view account, std::string_view name);
std::string task_definition_arn(std::string_view region, std::string_view account,
                                std::string_view family, int64_t revision);
// Account-wide, as cluster ARNs: capacity-provider/<name>.
std::string capacity_provider_arn(std::string_view region, std::string_view account,
                                  std::string_view name);

// Resources scoped to a cluster: <type>/<cluster>/<id>.
std::string container_instance_arn(std::string_view region, std::string_view account,
                                   std::string_view cluster, std::string_view id);
std::string task_arn(std::string_view region, std::string_view account, std::string_view cluster,
                     std::string_view id);
// gantry's own: a recovering job's, job/<cluster>/<id>.
std::string job_arn(std::string_view region, std::string_view account, std::string_view cluster,
                    std::string_view id);
// A service's ARN in ECS's long format: service/<cluster>/<name>.
std::string service_arn(std::string_view region, std::string_view account,
                        std::string_view cluster, std::string_view name);
// A service deployment's and a service revision's: <type>/<cluster>/<service>/<id>.
std::string service_deployment_arn(std::string_view region, std::string_view account,
                                   std::string_view cluster, std::string_view service,
                                   std::string_view id);
std::string service_revision_arn(std::string_view region, std::string_view account,
                                 std::string_view cluster, std::string_view service,
                                 std::string_view id);
// A task set's: task-set/<cluster>/<service>/<id>, the id with its
// "ecs-svc/" (the ECS CLI's create-task-set example).
std::string task_set_arn(std::string_view region, std::string_view account,
                         std::string_view cluster, std::string_view service, std::string_view id);
std::string container_arn(std::string_view region, std::string_view account,
                          std::string_view cluster, std::string_view task_id,
                          std::string_view container_id);

// A task or container instance named by its id or ARN. The ARN's cluster,
// when it has one, must be the request's cluster. Returns the id; throws
// InvalidParameterException for an ARN of another type or cluster.
std::string scoped_id_from(std::string_view identifier, std::string_view resource_type,
                           std::string_view cluster);

// The cluster a cluster-scoped ARN names (<type>/<cluster>/<id>);
// `otherwise` for anything else (an id, an ARN in the old format, not an ARN).
std::string scoped_cluster(std::string_view arn, std::string_view otherwise = {});

// A task definition named as "family", "family:revision" or its ARN.
struct TaskDefinitionRef {
  std::string family;
  std::optional<int64_t> revision;  // absent: the latest ACTIVE revision
};
// Throws ClientException when the identifier is none of those forms.
TaskDefinitionRef parse_task_definition_ref(std::string_view identifier);

// A cluster named by name or ARN; throws InvalidParameterException when the
// ARN is not a cluster ARN.
std::string cluster_name_from(std::string_view identifier);

// A capacity provider named by name or ARN; the name itself for anything
// that is not an ECS ARN (an unknown name is the caller's to refuse).
std::string capacity_provider_name_from(std::string_view identifier);

}  // namespace gantry::core
