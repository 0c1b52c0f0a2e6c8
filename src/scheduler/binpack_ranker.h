#pragma once
// binpack: the instance with the least of a resource left, so that tasks
// fill few instances and the rest stay free.
#include <memory>
#include <string_view>

#include "scheduler/ranker.h"

namespace gantry::scheduler {

// `field` is cpu or memory; throws InvalidParameterException otherwise.
std::unique_ptr<const Ranker> make_binpack_ranker(std::string_view field);

}  // namespace gantry::scheduler
