#pragma once
// EventBridge event patterns: which events a rule (or `gantry events
// --pattern`) selects. A pattern is a JSON object shaped like the events it
// matches; its leaves are arrays of conditions, any of which may hold (OR),
// and every field it names must match (AND). Fields it does not name are
// ignored, and an event field that is an array matches when any element does.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
//
// Conditions: exact strings, numbers (compared numerically), null and
// booleans; prefix, suffix, equals-ignore-case (ASCII case folding), wildcard,
// anything-but (a value, a list, or a prefix/suffix/equals-ignore-case/
// wildcard), exists, numeric ranges; and "$or" of sub-patterns at any level.
#include <boost/json/object.hpp>

#include <memory>
#include <string_view>

namespace gantry::model {

struct PatternObject;  // the compiled tree (event_pattern.cc)

class EventPattern {
 public:
  // Throws core::ApiError (InvalidParameterException) for what EventBridge
  // rejects: text that is not JSON, a pattern that is not an object, a leaf
  // that is not a non-empty array, an unknown operator, a bad numeric range.
  // The message names the field, e.g. "Event pattern is not valid. Reason:
  // "lastStatus" must be an object or an array of match conditions, at detail.lastStatus".
  static EventPattern compile(std::string_view json_text);

  // Allocation-free; safe to call from many threads on one pattern.
  bool matches(const boost::json::object& event) const;

 private:
  explicit EventPattern(std::shared_ptr<const PatternObject> root) : root_(std::move(root)) {}

  std::shared_ptr<const PatternObject> root_;  // immutable, so copies share it
};

}  // namespace gantry::model
