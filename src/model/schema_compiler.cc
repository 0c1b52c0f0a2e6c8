// Turns a botocore service model into detail::CompiledModel: names resolve
// to indexes once here, so that validation never looks a shape up by name.
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "model/schema_shapes.h"

namespace gantry::model::detail {
namespace {

namespace json = boost::json;

[[noreturn]] void bad_model(const std::string& what) {
  throw std::invalid_argument("invalid service model: " + what);
}

const json::object& object_at(const json::object& parent, std::string_view key, std::string_view where) {
  const json::value* v = parent.if_contains(key);
  if (v == nullptr || !v->is_object()) bad_model(std::string(where) + " has no object \"" + std::string(key) + "\"");
  return v->get_object();
}

std::optional<ShapeKind> kind_from_type(std::string_view type) {
  static const std::pair<std::string_view, ShapeKind> kKinds[] = {
      {"structure", ShapeKind::kStructure}, {"list", ShapeKind::kList},
      {"map", ShapeKind::kMap},             {"string", ShapeKind::kString},
      {"integer", ShapeKind::kInteger},     {"long", ShapeKind::kLong},
      {"float", ShapeKind::kFloat},         {"double", ShapeKind::kDouble},
      {"boolean", ShapeKind::kBoolean},     {"timestamp", ShapeKind::kTimestamp},
      {"blob", ShapeKind::kBlob},           {"document", ShapeKind::kDocument},
  };
  for (const auto& [name, kind] : kKinds) {
    if (name == type) return kind;
  }
  return std::nullopt;
}

bool is_numeric(ShapeKind kind) {
  return kind == ShapeKind::kInteger || kind == ShapeKind::kLong || kind == ShapeKind::kFloat ||
         kind == ShapeKind::kDouble;
}

std::optional<double> number_at(const json::object& shape, std::string_view key) {
  const json::value* v = shape.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) bad_model(std::string(key) + " is not a number");
  return v->to_number<double>();
}

std::optional<std::uint64_t> length_at(const json::object& shape, std::string_view key) {
  std::optional<double> n = number_at(shape, key);
  if (!n) return std::nullopt;
  if (*n < 0) return 0;
  if (*n >= 18e18) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(*n);
}

class Compiler {
 public:
  explicit Compiler(const json::object& shapes) : shapes_(shapes) {
    ShapeIndex next = 0;
    for (const auto& kv : shapes_) index_.emplace(std::string(kv.key()), next++);
  }

  std::vector<Shape> compile() {
    std::vector<Shape> out;
    out.reserve(shapes_.size());
    for (const auto& kv : shapes_) {
      if (!kv.value().is_object()) bad_model("shape " + std::string(kv.key()) + " is not an object");
      out.push_back(compile_shape(kv.key(), kv.value().get_object()));
    }
    return out;
  }

  // Resolves {"shape": "Name"}.
  ShapeIndex resolve(const json::value* ref, std::string_view where) const {
    const json::object* obj = ref != nullptr ? ref->if_object() : nullptr;
    const json::value* name = obj != nullptr ? obj->if_contains("shape") : nullptr;
    if (name == nullptr || !name->is_string()) bad_model(std::string(where) + " has no shape reference");
    auto it = index_.find(std::string_view(name->get_string()));
    if (it == index_.end()) {
      bad_model(std::string(where) + " refers to unknown shape " + std::string(name->get_string()));
    }
    return it->second;
  }

 private:
  Shape compile_shape(std::string_view name, const json::object& spec) const {
    Shape shape;
    shape.name = std::string(name);
    const json::value* type = spec.if_contains("type");
    std::optional<ShapeKind> kind =
        type != nullptr && type->is_string() ? kind_from_type(type->get_string()) : std::nullopt;
    if (!kind) bad_model("shape " + shape.name + " has an unknown type");
    shape.kind = *kind;
    // A structure marked "document" holds free-form JSON (e.g. HookDetails).
    if (const json::value* doc = spec.if_contains("document"); doc != nullptr && doc->is_bool() && doc->get_bool()) {
      shape.kind = ShapeKind::kDocument;
    }

    switch (shape.kind) {
      case ShapeKind::kStructure: compile_members(shape, spec); break;
      case ShapeKind::kList: shape.element = resolve(spec.if_contains("member"), shape.name); break;
      case ShapeKind::kMap:
        shape.key = resolve(spec.if_contains("key"), shape.name);
        shape.value = resolve(spec.if_contains("value"), shape.name);
        break;
      default: break;
    }

    if (is_numeric(shape.kind)) {
      shape.min_value = number_at(spec, "min");
      shape.max_value = number_at(spec, "max");
    } else {
      shape.min_length = length_at(spec, "min");
      shape.max_length = length_at(spec, "max");
    }

    if (const json::value* values = spec.if_contains("enum"); values != nullptr && values->is_array()) {
      shape.enum_list.push_back('[');
      for (const json::value& v : values->get_array()) {
        if (!v.is_string()) bad_model("shape " + shape.name + " has a non-string enum value");
        if (shape.enum_list.size() > 1) shape.enum_list += ", ";
        shape.enum_list += v.get_string();
        shape.enum_values.emplace(v.get_string());
      }
      shape.enum_list.push_back(']');
    }

    if (const json::value* p = spec.if_contains("pattern"); p != nullptr && p->is_string()) {
      shape.pattern_text = std::string(p->get_string());
      shape.pattern = Pattern::compile(shape.pattern_text);
    }
    return shape;
  }

  void compile_members(Shape& shape, const json::object& spec) const {
    if (const json::value* members = spec.if_contains("members"); members != nullptr) {
      if (!members->is_object()) bad_model("shape " + shape.name + " has no member object");
      for (const auto& kv : members->get_object()) {
        Member m;
        m.name = std::string(kv.key());
        m.shape = resolve(&kv.value(), shape.name + "." + m.name);
        shape.members.push_back(std::move(m));
      }
    }
    std::sort(shape.members.begin(), shape.members.end(),
              [](const Member& a, const Member& b) { return a.name < b.name; });
    for (std::uint32_t i = 0; i < shape.members.size(); ++i) {
      shape.member_index.emplace(shape.members[i].name, i);
      if (i > 0) shape.member_names += ", ";
      shape.member_names += shape.members[i].name;
    }
    if (const json::value* required = spec.if_contains("required"); required != nullptr && required->is_array()) {
      for (const json::value& r : required->get_array()) {
        auto it = r.is_string() ? shape.member_index.find(std::string_view(r.get_string()))
                                : shape.member_index.end();
        if (it == shape.member_index.end()) bad_model("shape " + shape.name + " requires an unknown member");
        if (!shape.members[it->second].required) {
          shape.members[it->second].required = true;
          shape.required.push_back(it->second);
        }
      }
    }
  }

  const json::object& shapes_;
  boost::unordered_flat_map<std::string, ShapeIndex, StringHash, StringEqual> index_;
};

}  // namespace

CompiledModel compile_model(std::string_view model_json) {
  json::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::value root = json::parse(model_json, ec, {}, options);
  if (ec) bad_model("not JSON: " + ec.message());
  if (!root.is_object()) bad_model("not a JSON object");

  const json::object& shapes = object_at(root.get_object(), "shapes", "the model");
  Compiler compiler(shapes);
  CompiledModel model;
  if (const json::value* metadata = root.get_object().if_contains("metadata");
      metadata && metadata->is_object()) {
    auto text = [&](std::string_view name) -> std::string {
      const json::value* v = metadata->get_object().if_contains(name);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    model.target_prefix = text("targetPrefix");
    model.signing_name = text("signingName");
    if (model.signing_name.empty()) model.signing_name = text("endpointPrefix");
  }
  model.shapes = compiler.compile();
  for (const auto& kv : object_at(root.get_object(), "operations", "the model")) {
    Operation op;
    op.name = std::string(kv.key());
    if (const json::object* spec = kv.value().if_object(); spec != nullptr) {
      if (const json::value* input = spec->if_contains("input"); input != nullptr) {
        op.input = compiler.resolve(input, "operation " + op.name);
      }
    }
    model.operations.emplace(op.name, std::move(op));
  }
  return model;
}

}  // namespace gantry::model::detail
