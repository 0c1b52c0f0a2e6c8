#pragma once
// ECS resource tags ({"key": ..., "value": ...}): the rules every tagging
// path shares (CreateCluster, RegisterTaskDefinition, TagResource).
#include <boost/json.hpp>

namespace gantry::ecs {

inline constexpr size_t kMaxTagsPerResource = 50;

// Throws InvalidParameterException for a reserved "aws:" key, a duplicate
// key, or more than 50 tags.
void validate_tags(const boost::json::array& tags);

// `current` with `added` merged in by key (a new value replaces the old).
boost::json::array merge_tags(const boost::json::array& current, const boost::json::array& added);

// `current` without the given keys.
boost::json::array remove_tags(const boost::json::array& current, const boost::json::array& keys);

}  // namespace gantry::ecs
