#include "scheduler/attribute_fit.h"

#include <algorithm>

namespace gantry::scheduler {

std::optional<std::string_view> check_required_attributes(
    const InstanceView& instance, const std::vector<std::string>& required) {
  const bool all = std::all_of(required.begin(), required.end(), [&](const std::string& name) {
    return instance.attributes.contains(name);
  });
  if (all) return std::nullopt;
  return "ATTRIBUTE";
}

}  // namespace gantry::scheduler
