#pragma once
// Container instance attributes ({"name", "value"}): the rules that
// RegisterContainerInstance, PutAttributes and DeleteAttributes share.
#include <boost/json.hpp>

namespace gantry::ecs {

// Throws InvalidParameterException naming the attribute whose name or value
// breaks ECS's rules.
void validate_attribute(const boost::json::object& attribute);

// `current` with `added` merged in by name, each kept as {"name", "value"?}.
boost::json::array merge_attributes(const boost::json::array& current,
                                    const boost::json::array& added);

// `current` without the attributes named in `removed`.
boost::json::array remove_attributes(const boost::json::array& current,
                                     const boost::json::array& removed);

}  // namespace gantry::ecs
