#pragma once
// The compiled form of a botocore service model, private to schema*.cc:
// shapes live in one vector and refer to each other by index, so that
// validation never looks a shape up by name; enums are hash sets and
// patterns are compiled once.
#include <boost/json.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "core/string_map.h"
#include "model/schema_pattern.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::model::detail {

// A JSON kind as error messages name it.
inline const char* json_kind_name(boost::json::kind k) {
  switch (k) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
  }
  return "value";
}

enum class ShapeKind : std::uint8_t {
  kStructure,
  kList,
  kMap,
  kString,
  kInteger,
  kLong,
  kFloat,
  kDouble,
  kBoolean,
  kTimestamp,
  kBlob,
  kDocument,
};

// Heterogeneous lookup: a std::string_view from the request finds a
// std::string key without building a std::string.
using core::StringEqual;
using core::StringHash;

using ShapeIndex = std::uint32_t;

struct Member {
  std::string name;
  ShapeIndex shape = 0;
  bool required = false;
};

struct Shape {
  ShapeKind kind = ShapeKind::kDocument;
  std::string name;

  // kStructure: members sorted by name, looked up by name.
  std::vector<Member> members;
  boost::unordered_flat_map<std::string, std::uint32_t, StringHash, StringEqual> member_index;
  std::vector<std::uint32_t> required;  // indexes into members
  std::string member_names;             // "a, b, c" for the unknown-member message

  // kList: element; kMap: key and value.
  ShapeIndex element = 0;
  ShapeIndex key = 0;
  ShapeIndex value = 0;

  // Length of strings (in code points), lists and maps.
  std::optional<std::uint64_t> min_length;
  std::optional<std::uint64_t> max_length;
  // Range of numbers.
  std::optional<double> min_value;
  std::optional<double> max_value;

  boost::unordered_flat_set<std::string, StringHash, StringEqual> enum_values;
  std::string enum_list;  // "[a, b, c]" in model order, for the message

  std::unique_ptr<const Pattern> pattern;  // null: none, or not expressible
  std::string pattern_text;
};

struct Operation {
  std::string name;
  std::optional<ShapeIndex> input;
};

struct CompiledModel {
  std::string target_prefix;  // metadata.targetPrefix, e.g. "AmazonEC2ContainerServiceV20141113"
  std::string signing_name;   // metadata.signingName, else metadata.endpointPrefix
  std::vector<Shape> shapes;
  boost::unordered_flat_map<std::string, Operation, StringHash, StringEqual> operations;
};

// Throws std::invalid_argument when the model is not valid JSON or a shape
// reference does not resolve.
CompiledModel compile_model(std::string_view model_json);

// Throws core::ApiError when `body` does not match `input`.
void validate_input(const CompiledModel& model, ShapeIndex input, const boost::json::object& body);

}  // namespace gantry::model::detail
