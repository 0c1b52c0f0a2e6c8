#pragma once
// Maps a TaskSpec container onto the Docker Engine API (v1.41): the body of
// POST /containers/create, and where each task volume lives. Pure mapping, no
// I/O: the Docker driver decides the context and sends the requests.
#include <boost/json.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/task_spec.h"

namespace gantry::agent {

// Where a task volume comes from once the driver has resolved it.
struct ResolvedVolume {
  std::string name;
  std::string source;
  bool bind = false;  // source is a host path; else a Docker volume name
};

// What the driver decides at start, beyond the specs.
struct DockerStartContext {
  std::vector<std::pair<std::string, std::string>> labels;  // gantry's own, added to dockerLabels
  // e.g. ECS_CONTAINER_METADATA_URI_V4; appended after the spec's environment.
  std::vector<std::pair<std::string, std::string>> extra_environment;
  std::string network_container_id;  // awsvpc: join this container's namespace
  std::string cgroup_parent;         // task-level cgroup, empty for none
  std::vector<ResolvedVolume> volumes;
  std::map<std::string, std::string> container_ids;  // task container name -> Docker id
};

// The body of POST /containers/create for `container` of `task`.
//
// Network modes: bridge, "default" or empty -> "bridge"; host; none; awsvpc ->
// "container:<network_container_id>". Docker refuses Hostname, Dns,
// ExtraHosts, ExposedPorts and PortBindings when joining another container's
// namespace, so in awsvpc they are left out (they belong to the network
// container); Hostname is left out in host mode too. PortBindings only in
// bridge mode. RestartPolicy is always "no": the agent restarts containers.
//
// Throws DriverError ("CannotStartContainerError: ...") when the context
// lacks what the spec needs: a network container in awsvpc, a resolved
// volume for a mountPoint, a Docker id for a volumesFrom; or when the
// network mode is unknown.
boost::json::object docker_create_body(const TaskSpec& task, const ContainerSpec& container,
                                       const DockerStartContext& context);

// Resolves the task's volumes: task scratch and task-scope Docker volumes ->
// Docker volume "gantry-<task_id>-<name>"; shared Docker volumes -> the
// volume's own name; host paths -> the path (bind); EFS ->
// efs_directories.at(file_system_id) joined with root_directory (bind).
// Throws DriverError ("CannotStartContainerError: ...") when an EFS file
// system is not configured or its rootDirectory climbs out with "..".
std::vector<ResolvedVolume> resolve_volumes(
    const TaskSpec& task, const std::map<std::string, std::string>& efs_directories);

}  // namespace gantry::agent
