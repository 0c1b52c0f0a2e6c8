#include "model/event_pattern.h"

#include <boost/json.hpp>

#include <limits>
#include <string>
#include <vector>

#include "core/error.h"

namespace gantry::model {

namespace json = boost::json;

namespace {

// EventBridge's numeric matching covers this range (and refuses patterns
// outside it).
constexpr double kNumericLimit = 5.0e9;

enum class ConditionKind {
  kString,
  kNumber,
  kNull,
  kBoolean,
  kPrefix,
  kSuffix,
  kEqualsIgnoreCase,
  kPrefixIgnoreCase,
  kSuffixIgnoreCase,
  kWildcard,
  kNumeric,
  kExists,
  kAnythingBut,
};

struct NumericRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_inclusive = true;
  bool high_inclusive = true;
};

struct Condition {
  ConditionKind kind = ConditionKind::kString;
  std::string text;                   // strings; lower-cased for the ignore-case kinds
  std::vector<std::string> segments;  // kWildcard: the literal text between the stars
  double number = 0;
  bool boolean = false;  // kBoolean: the value; kExists: whether the field must exist
  NumericRange range;
  std::vector<Condition> excluded;  // kAnythingBut: a value that matches one is refused
};

}  // namespace

struct FieldPattern {
  std::string name;
  std::vector<Condition> conditions;      // a leaf, or
  std::unique_ptr<PatternObject> object;  // a nested pattern
  bool matches_absent = false;            // what a missing field (or no leaf value) gives
};

struct PatternObject {
  std::vector<FieldPattern> fields;
  std::vector<std::vector<PatternObject>> any_of;  // each "$or": one branch must match
  bool matches_absent = false;
};

namespace {

// ---- matching --------------------------------------------------------------

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `lowered` is already lower-case.
bool equals_ignore_case(std::string_view text, std::string_view lowered) {
  if (text.size() != lowered.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (ascii_lower(text[i]) != lowered[i]) return false;
  }
  return true;
}

// Stars match any run of characters: the first segment is a prefix, the last
// a suffix, and the ones between are found leftmost in order (which is
// optimal when `*` is the only metacharacter).
bool wildcard_matches(const std::vector<std::string>& segments, std::string_view text) {
  if (segments.size() == 1) return text == segments.front();
  const std::string& first = segments.front();
  const std::string& last = segments.back();
  if (text.size() < first.size() + last.size()) return false;
  if (!text.starts_with(first) || !text.ends_with(last)) return false;
  const size_t end = text.size() - last.size();
  size_t at = first.size();
  for (size_t i = 1; i + 1 < segments.size(); ++i) {
    at = text.find(segments[i], at);
    if (at == std::string_view::npos || at + segments[i].size() > end) return false;
    at += segments[i].size();
  }
  return true;
}

bool in_range(const NumericRange& range, double value) {
  if (range.low_inclusive ? value < range.low : value <= range.low) return false;
  if (range.high_inclusive ? value > range.high : value >= range.high) return false;
  return true;
}

// `value` is a scalar: neither an object nor an array.
bool condition_matches(const Condition& condition, const json::value& value) {
  auto text = [&]() -> std::string_view { return value.get_string(); };
  switch (condition.kind) {
    case ConditionKind::kString:
      return value.is_string() && text() == condition.text;
    case ConditionKind::kNumber:
      return value.is_number() && value.to_number<double>() == condition.number;
    case ConditionKind::kNull:
      return value.is_null();
    case ConditionKind::kBoolean:
      return value.is_bool() && value.get_bool() == condition.boolean;
    case ConditionKind::kPrefix:
      return value.is_string() && text().starts_with(condition.text);
    case ConditionKind::kSuffix:
      return value.is_string() && text().ends_with(condition.text);
    case ConditionKind::kEqualsIgnoreCase:
      return value.is_string() && equals_ignore_case(text(), condition.text);
    case ConditionKind::kPrefixIgnoreCase:
      return value.is_string() && text().size() >= condition.text.size() &&
             equals_ignore_case(text().substr(0, condition.text.size()), condition.text);
    case ConditionKind::kSuffixIgnoreCase:
      return value.is_string() && text().size() >= condition.text.size() &&
             equals_ignore_case(text().substr(text().size() - condition.text.size()),
                                condition.text);
    case ConditionKind::kWildcard:
      return value.is_string() && wildcard_matches(condition.segments, text());
    case ConditionKind::kNumeric:
      return value.is_number() && in_range(condition.range, value.to_number<double>());
    case ConditionKind::kExists:
      return condition.boolean;  // a value is there
    case ConditionKind::kAnythingBut:
      for (const Condition& excluded : condition.excluded) {
        if (condition_matches(excluded, value)) return false;
      }
      return true;
  }
  return false;
}

// Whether a scalar under `value` (itself, or an array's elements at any depth)
// matches a condition; `seen` notes that there was one at all.
bool any_leaf_matches(const FieldPattern& field, const json::value& value, bool& seen) {
  if (value.is_array()) {
    for (const json::value& element : value.get_array()) {
      if (any_leaf_matches(field, element, seen)) return true;
    }
    return false;
  }
  if (value.is_object()) return false;  // conditions apply to leaves only
  seen = true;
  for (const Condition& condition : field.conditions) {
    if (condition_matches(condition, value)) return true;
  }
  return false;
}

bool object_matches(const PatternObject& pattern, const json::object& event);

bool nested_matches(const PatternObject& pattern, const json::value& value) {
  if (value.is_object()) return object_matches(pattern, value.get_object());
  if (value.is_array() && !value.get_array().empty()) {
    for (const json::value& element : value.get_array()) {
      if (nested_matches(pattern, element)) return true;
    }
    return false;
  }
  return pattern.matches_absent;  // nothing under this field has the pattern's fields
}

bool field_matches(const FieldPattern& field, const json::object& event) {
  const json::value* value = event.if_contains(field.name);
  if (!value) return field.matches_absent;
  if (field.object) return nested_matches(*field.object, *value);
  bool seen = false;
  if (any_leaf_matches(field, *value, seen)) return true;
  return !seen && field.matches_absent;
}

bool object_matches(const PatternObject& pattern, const json::object& event) {
  for (const FieldPattern& field : pattern.fields) {
    if (!field_matches(field, event)) return false;
  }
  for (const auto& branches : pattern.any_of) {
    bool any = false;
    for (const PatternObject& branch : branches) {
      if (object_matches(branch, event)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

// ---- compiling -------------------------------------------------------------

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

const char* kind_of(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

class Compiler {
 public:
  PatternObject object(const json::object& pattern) {
    if (pattern.empty()) fail("empty objects are not allowed");
    PatternObject out;
    out.matches_absent = true;
    for (const auto& member : pattern) {
      Scope scope(*this, member.key());
      if (member.key() == "$or") {
        out.any_of.push_back(branches(member.value()));
        bool any_absent = false;
        for (const PatternObject& branch : out.any_of.back()) any_absent |= branch.matches_absent;
        out.matches_absent &= any_absent;
        continue;
      }
      FieldPattern field;
      field.name = member.key();
      if (member.value().is_array()) {
        field.conditions = leaf(member.value().get_array());
        for (const Condition& c : field.conditions) {
          field.matches_absent |= c.kind == ConditionKind::kExists && !c.boolean;
        }
      } else if (member.value().is_object()) {
        field.object = std::make_unique<PatternObject>(object(member.value().get_object()));
        field.matches_absent = field.object->matches_absent;
      } else {
        fail(quoted(member.key()) + " must be an object or an array of match conditions, not " +
             kind_of(member.value()));
      }
      out.matches_absent &= field.matches_absent;
      out.fields.push_back(std::move(field));
    }
    return out;
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw core::invalid_parameter("Event pattern is not valid. Reason: " + reason +
                                  (path_.empty() ? "" : ", at " + path_));
  }

 private:
  // The dotted path of the member being compiled, for messages.
  class Scope {
   public:
    Scope(Compiler& compiler, std::string_view name)
        : compiler_(compiler), size_(compiler.path_.size()) {
      if (!compiler_.path_.empty()) compiler_.path_ += '.';
      compiler_.path_ += name;
    }
    ~Scope() { compiler_.path_.resize(size_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Compiler& compiler_;
    size_t size_;
  };

  std::vector<PatternObject> branches(const json::value& value) {
    if (!value.is_array() || value.get_array().empty()) {
      fail("\"$or\" must be a non-empty array of patterns");
    }
    std::vector<PatternObject> out;
    for (const json::value& branch : value.get_array()) {
      if (!branch.is_object()) {
        fail(std::string("a \"$or\" branch must be an object, not ") + kind_of(branch));
      }
      out.push_back(object(branch.get_object()));
    }
    return out;
  }

  std::vector<Condition> leaf(const json::array& conditions) {
    if (conditions.empty()) fail("empty arrays are not allowed");
    std::vector<Condition> out;
    out.reserve(conditions.size());
    for (const json::value& value : conditions) out.push_back(condition(value));
    return out;
  }

  Condition condition(const json::value& value) {
    Condition out;
    switch (value.kind()) {
      case json::kind::string:
        out.kind = ConditionKind::kString;
        out.text = value.get_string();
        return out;
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        out.kind = ConditionKind::kNumber;
        out.number = value.to_number<double>();
        return out;
      case json::kind::null:
        out.kind = ConditionKind::kNull;
        return out;
      case json::kind::bool_:
        out.kind = ConditionKind::kBoolean;
        out.boolean = value.get_bool();
        return out;
      case json::kind::array:
        fail("a match condition cannot be an array");
      case json::kind::object:
        break;
    }
    const json::object& op = value.get_object();
    if (op.size() != 1) {
      fail("a match condition object holds exactly one operator, e.g. {\"prefix\": \"us-\"}");
    }
    std::string_view name = op.begin()->key();
    const json::value& argument = op.begin()->value();
    if (name == "prefix" || name == "suffix") return affix(name, argument);
    if (name == "equals-ignore-case") {
      out.kind = ConditionKind::kEqualsIgnoreCase;
      out.text = lowered(string_argument(name, argument));
      return out;
    }
    if (name == "wildcard") return wildcard(string_argument(name, argument));
    if (name == "anything-but") return anything_but(argument);
    if (name == "exists") {
      if (!argument.is_bool()) fail("\"exists\" takes true or false");
      out.kind = ConditionKind::kExists;
      out.boolean = argument.get_bool();
      return out;
    }
    if (name == "numeric") return numeric(argument);
    if (name == "cidr") fail("the \"cidr\" operator is not supported");
    fail("unknown operator " + quoted(name) +
         " (operators: prefix, suffix, equals-ignore-case, wildcard, anything-but, exists, "
         "numeric)");
  }

  std::string_view string_argument(std::string_view op, const json::value& argument) const {
    if (!argument.is_string()) {
      fail(quoted(op) + " takes a string, not " + kind_of(argument));
    }
    return argument.get_string();
  }

  // {"prefix": "us-"} or {"prefix": {"equals-ignore-case": "us-"}}; suffix alike.
  Condition affix(std::string_view op, const json::value& argument) {
    Condition out;
    const bool prefix = op == "prefix";
    if (argument.is_object()) {
      const json::object& inner = argument.get_object();
      if (inner.size() != 1 || inner.begin()->key() != "equals-ignore-case") {
        fail(quoted(op) + " takes a string or {\"equals-ignore-case\": string}");
      }
      out.kind = prefix ? ConditionKind::kPrefixIgnoreCase : ConditionKind::kSuffixIgnoreCase;
      out.text = lowered(string_argument("equals-ignore-case", inner.begin()->value()));
      return out;
    }
    out.kind = prefix ? ConditionKind::kPrefix : ConditionKind::kSuffix;
    out.text = string_argument(op, argument);
    return out;
  }

  // `\*` is a literal star and `\\` a backslash; `**` is refused, as
  // EventBridge refuses it.
  Condition wildcard(std::string_view text) const {
    Condition out;
    out.kind = ConditionKind::kWildcard;
    out.segments.emplace_back();
    bool after_star = false;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '*') {
        if (after_star) fail("\"wildcard\" cannot hold consecutive stars (**)");
        out.segments.emplace_back();
        after_star = true;
        continue;
      }
      after_star = false;
      if (c == '\\') {
        if (i + 1 == text.size() || (text[i + 1] != '*' && text[i + 1] != '\\')) {
          fail("\"wildcard\" allows only \\* and \\\\ as escapes");
        }
        out.segments.back() += text[++i];
        continue;
      }
      out.segments.back() += c;
    }
    return out;
  }

  Condition anything_but(const json::value& argument) {
    Condition out;
    out.kind = ConditionKind::kAnythingBut;
    auto value = [this](const json::value& v) {
      if (!v.is_string() && !v.is_number()) {
        fail(std::string("\"anything-but\" takes strings or numbers, not ") + kind_of(v));
      }
      return condition(v);
    };
    if (argument.is_array()) {
      if (argument.get_array().empty()) fail("\"anything-but\" cannot take an empty array");
      for (const json::value& v : argument.get_array()) out.excluded.push_back(value(v));
      return out;
    }
    if (!argument.is_object()) {
      out.excluded.push_back(value(argument));
      return out;
    }
    const json::object& inner = argument.get_object();
    if (inner.size() != 1) {
      fail(
          "\"anything-but\" takes a value, an array, or one of prefix, suffix, "
          "equals-ignore-case, wildcard");
    }
    std::string_view op = inner.begin()->key();
    const json::value& operand = inner.begin()->value();
    if (op == "prefix" || op == "suffix") {
      if (!operand.is_string()) fail("\"anything-but\" " + quoted(op) + " takes a string");
      out.excluded.push_back(affix(op, operand));
      return out;
    }
    if (op != "equals-ignore-case" && op != "wildcard") {
      fail("unknown operator " + quoted(op) + " inside \"anything-but\"");
    }
    // These two take a string or an array of strings.
    auto one = [&](const json::value& v) {
      std::string_view text = string_argument(op, v);
      if (op == "wildcard") return wildcard(text);
      Condition c;
      c.kind = ConditionKind::kEqualsIgnoreCase;
      c.text = lowered(text);
      return c;
    };
    if (operand.is_array()) {
      if (operand.get_array().empty()) fail(quoted(op) + " cannot take an empty array");
      for (const json::value& v : operand.get_array()) out.excluded.push_back(one(v));
    } else {
      out.excluded.push_back(one(operand));
    }
    return out;
  }

  double numeric_operand(const json::value& v) const {
    if (!v.is_number()) fail(std::string("\"numeric\" compares with numbers, not ") + kind_of(v));
    const double n = v.to_number<double>();
    if (!(n >= -kNumericLimit && n <= kNumericLimit)) {
      fail("\"numeric\" values must lie between -5.0e9 and 5.0e9");
    }
    return n;
  }

  // [op, n] with op one of = < <= > >=, or [> or >=, low, < or <=, high].
  Condition numeric(const json::value& argument) {
    static constexpr std::string_view kUsage =
        "\"numeric\" takes [op, number] or [\">\" or \">=\", low, \"<\" or \"<=\", high], "
        "op one of =, <, <=, >, >=";
    if (!argument.is_array()) fail(std::string(kUsage));
    const json::array& terms = argument.get_array();
    if (terms.size() != 2 && terms.size() != 4) fail(std::string(kUsage));
    Condition out;
    out.kind = ConditionKind::kNumeric;
    bool has_low = false;
    bool has_high = false;
    for (size_t i = 0; i < terms.size(); i += 2) {
      if (!terms[i].is_string()) fail(std::string(kUsage));
      std::string_view op = terms[i].get_string();
      const double n = numeric_operand(terms[i + 1]);
      if (op == "=" && terms.size() == 2) {
        out.range = {n, n, true, true};
      } else if ((op == ">" || op == ">=") && i == 0) {
        out.range.low = n;
        out.range.low_inclusive = op == ">=";
        has_low = true;
      } else if ((op == "<" || op == "<=") && !has_high && (terms.size() == 2 || has_low)) {
        out.range.high = n;
        out.range.high_inclusive = op == "<=";
        has_high = true;
      } else {
        fail(std::string(kUsage));
      }
    }
    if (has_low && has_high && !(out.range.low < out.range.high)) {
      fail("a \"numeric\" range's lower bound must be below its upper bound");
    }
    return out;
  }

  std::string path_;
};

}  // namespace

EventPattern EventPattern::compile(std::string_view json_text) {
  Compiler compiler;
  json::error_code ec;
  json::value parsed = json::parse(json_text, ec);
  if (ec) compiler.fail("the pattern is not JSON (" + ec.message() + ")");
  if (!parsed.is_object()) {
    compiler.fail(std::string("the pattern must be a JSON object, not ") + kind_of(parsed));
  }
  return EventPattern(std::make_shared<const PatternObject>(compiler.object(parsed.get_object())));
}

bool EventPattern::matches(const json::object& event) const {
  return object_matches(*root_, event);
}

}  // namespace gantry::model
