#pragma once
// The image of the pause container that holds an awsvpc task's network
// namespace: the static gantry-pause program (built next to the gantry
// binary) imported into the engine as kPauseImage the first time a task
// needs it, since no registry may be reachable.
#include <string>
#include <string_view>

#include "agent/docker/docker_client.h"

namespace gantry::agent::docker {

inline constexpr const char* kPauseImage = "gantry/pause:1";

// Imports kPauseImage when the engine lacks it. Throws std::runtime_error
// when gantry-pause cannot be found.
void ensure_pause_image(DockerClient& client);

// A tar archive holding one executable file, `name`, with `content`.
std::string single_file_tar(std::string_view name, std::string_view content);

}  // namespace gantry::agent::docker
