#pragma once
// spread: the instance, or the attribute value, holding the fewest tasks of
// the request's group, so that the group is spread evenly.
#include <memory>
#include <string_view>

#include "scheduler/ranker.h"

namespace gantry::scheduler {

// `field` is instanceId or host (the same: one container instance per host)
// or attribute:<name>. For an attribute, a value's count is over every
// instance given to place() that has the value, and instances without the
// attribute share the value "". Throws InvalidParameterException otherwise.
std::unique_ptr<const Ranker> make_spread_ranker(std::string_view field);

}  // namespace gantry::scheduler
