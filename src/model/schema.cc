// Schema: a compiled botocore model behind the interface of model/schema.h.
#include "model/schema.h"

#include <algorithm>

#include "core/error.h"
#include "model/schema_shapes.h"

namespace gantry::model {

// Defined in the .cc files that CMake generates from src/model/ecs_schema.json
// and logs_schema.json (tools/embed_schema.cmake).
extern const std::string_view kEcsSchemaJson;
extern const std::string_view kLogsSchemaJson;

namespace {

class CompiledSchema final : public Schema {
 public:
  explicit CompiledSchema(detail::CompiledModel model) : model_(std::move(model)) {}

  const std::string& target_prefix() const override { return model_.target_prefix; }
  const std::string& signing_name() const override { return model_.signing_name; }

  bool has_operation(std::string_view operation) const override {
    return model_.operations.find(operation) != model_.operations.end();
  }

  std::vector<std::string> operation_names() const override {
    std::vector<std::string> names;
    names.reserve(model_.operations.size());
    for (const auto& [name, op] : model_.operations) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
  }

  void validate_request(std::string_view operation, const boost::json::object& body) const override {
    auto it = model_.operations.find(operation);
    if (it == model_.operations.end()) {
      throw core::ApiError("UnknownOperationException", "Unknown operation: " + std::string(operation));
    }
    const detail::Operation& op = it->second;
    if (!op.input) {
      if (!body.empty()) {
        throw core::invalid_parameter("Unknown parameter in input: \"" + std::string(body.begin()->key()) +
                                      "\", " + op.name + " takes no parameters");
      }
      return;
    }
    detail::validate_input(model_, *op.input, body);
  }

 private:
  detail::CompiledModel model_;
};

}  // namespace

std::unique_ptr<Schema> Schema::parse(std::string_view model_json) {
  return std::make_unique<CompiledSchema>(detail::compile_model(model_json));
}

const Schema& Schema::ecs() {
  static const std::unique_ptr<Schema> schema = parse(kEcsSchemaJson);
  return *schema;
}

const Schema& Schema::logs() {
  static const std::unique_ptr<Schema> schema = parse(kLogsSchemaJson);
  return *schema;
}

}  // namespace gantry::model
