#pragma once
// The request bodies of gantry's own operations, which botocore's model does
// not describe: checked here as ApiServer checks an ECS operation's against
// the model, with the same error types.
#include <boost/json.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace gantry::api {

struct ExtensionMember {
  enum class Kind { kString, kStringList, kInteger };
  std::string_view name;
  Kind kind;
  size_t max_items = 100;  // a list's
};

// Throws SerializationException for a member of the wrong type and
// InvalidParameterException for an unknown member or a list too long.
void check_extension_input(const boost::json::object& body,
                           const std::vector<ExtensionMember>& members);

}  // namespace gantry::api
