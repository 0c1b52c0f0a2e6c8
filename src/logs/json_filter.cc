#include "logs/json_filter.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"

namespace gantry::logs {

namespace json = boost::json;

namespace {

// Deeper nesting than any pattern of the API's 1,024 characters needs.
constexpr int kMaxDepth = 64;

enum class Op { kEq, kNe, kLt, kGt, kLe, kGe };

// A step of a selector: a member name or an array index.
using PathStep = std::variant<std::string, size_t>;

[[noreturn]] void fail(const std::string& why) {
  throw core::invalid_parameter("Invalid filter pattern: " + why);
}

// '*' stands for any run of characters.
bool wildcard_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<double> number_of(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  return std::nullopt;
}

bool compare(double left, Op op, double right) {
  switch (op) {
    case Op::kEq:
      return left == right;
    case Op::kNe:
      return left != right;
    case Op::kLt:
      return left < right;
    case Op::kGt:
      return left > right;
    case Op::kLe:
      return left <= right;
    case Op::kGe:
      return left >= right;
  }
  return false;
}

}  // namespace

struct JsonFilter::Node {
  enum class Kind { kAnd, kOr, kCompare, kIsNull, kIsTrue, kIsFalse, kNotExists };
  Kind kind = Kind::kCompare;
  std::unique_ptr<Node> left, right;
  std::vector<PathStep> path;
  Op op = Op::kEq;
  std::optional<double> number;  // a numeric value; else `text`
  std::string text;

  const json::value* resolve(const json::value& root) const {
    const json::value* at = &root;
    for (const PathStep& step : path) {
      if (const auto* name = std::get_if<std::string>(&step)) {
        const json::object* object = at->if_object();
        if (!object) return nullptr;
        auto it = object->find(*name);
        if (it == object->end()) return nullptr;
        at = &it->value();
      } else {
        const json::array* array = at->if_array();
        size_t index = std::get<size_t>(step);
        if (!array || index >= array->size()) return nullptr;
        at = &(*array)[index];
      }
    }
    return at;
  }

  bool evaluate(const json::value& root) const {
    switch (kind) {
      case Kind::kAnd:
        return left->evaluate(root) && right->evaluate(root);
      case Kind::kOr:
        return left->evaluate(root) || right->evaluate(root);
      default:
        break;
    }
    const json::value* value = resolve(root);
    switch (kind) {
      case Kind::kNotExists:
        return value == nullptr;
      case Kind::kIsNull:
        return value && value->is_null();
      case Kind::kIsTrue:
        return value && value->is_bool() && value->get_bool();
      case Kind::kIsFalse:
        return value && value->is_bool() && !value->get_bool();
      default:
        break;
    }
    if (!value) return false;
    if (number) {
      auto field = number_of(*value);
      return field && compare(*field, op, *number);
    }
    bool equal = value->is_string() && wildcard_match(text, value->get_string());
    return op == Op::kEq ? equal : !equal;
  }
};

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::unique_ptr<JsonFilter::Node> parse() {
    expect('{');
    auto root = parse_or(0);
    expect('}');
    skip_space();
    if (at_ < text_.size()) fail("unexpected text after the closing '}'.");
    return root;
  }

 private:
  using Node = JsonFilter::Node;

  std::unique_ptr<Node> parse_or(int depth) {
    auto left = parse_and(depth);
    while (take("||")) left = join(Node::Kind::kOr, std::move(left), parse_and(depth));
    return left;
  }

  std::unique_ptr<Node> parse_and(int depth) {
    auto left = parse_primary(depth);
    while (take("&&")) left = join(Node::Kind::kAnd, std::move(left), parse_primary(depth));
    return left;
  }

  std::unique_ptr<Node> parse_primary(int depth) {
    if (depth > kMaxDepth) fail("parentheses nested too deeply.");
    if (take("(")) {
      auto inner = parse_or(depth + 1);
      expect(')');
      return inner;
    }
    auto node = std::make_unique<Node>();
    node->path = parse_selector();
    if (take_word("IS")) {
      if (take_word("NULL")) {
        node->kind = Node::Kind::kIsNull;
      } else if (take_word("TRUE")) {
        node->kind = Node::Kind::kIsTrue;
      } else if (take_word("FALSE")) {
        node->kind = Node::Kind::kIsFalse;
      } else {
        fail("IS takes NULL, TRUE or FALSE.");
      }
      return node;
    }
    if (take_word("NOT")) {
      if (!take_word("EXISTS")) fail("NOT takes EXISTS.");
      node->kind = Node::Kind::kNotExists;
      return node;
    }
    node->op = parse_op();
    parse_value(*node);
    return node;
  }

  std::vector<PathStep> parse_selector() {
    skip_space();
    if (!take("$"))
      fail("expected a selector starting with '$' at offset " + std::to_string(at_) + ".");
    std::vector<PathStep> path;
    while (at_ < text_.size()) {
      if (text_[at_] == '.') {
        ++at_;
        std::string name;
        while (at_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_' ||
                text_[at_] == '-' || text_[at_] == '@')) {
          name += text_[at_++];
        }
        if (name.empty()) fail("a selector's '.' needs a member name.");
        path.emplace_back(std::move(name));
      } else if (text_[at_] == '[') {
        size_t close = text_.find(']', at_);
        if (close == std::string_view::npos) fail("unterminated '[' in a selector.");
        std::string_view digits = text_.substr(at_ + 1, close - at_ - 1);
        size_t index = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
        if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
          fail("a selector's [..] needs an array index.");
        }
        path.emplace_back(index);
        at_ = close + 1;
      } else {
        break;
      }
    }
    return path;
  }

  Op parse_op() {
    skip_space();
    for (auto [token, op] : {std::pair{"!=", Op::kNe},
                             {"<=", Op::kLe},
                             {">=", Op::kGe},
                             {"=", Op::kEq},
                             {"<", Op::kLt},
                             {">", Op::kGt}}) {
      if (take(token)) return op;
    }
    fail("expected =, !=, <, >, <= or >= at offset " + std::to_string(at_) + ".");
  }

  void parse_value(Node& node) {
    skip_space();
    bool quoted = at_ < text_.size() && text_[at_] == '"';
    std::string value;
    if (quoted) {
      for (++at_;; ++at_) {
        if (at_ >= text_.size()) fail("unterminated quoted value.");
        if (text_[at_] == '\\' && at_ + 1 < text_.size()) {
          value += text_[++at_];
        } else if (text_[at_] == '"') {
          ++at_;
          break;
        } else {
          value += text_[at_];
        }
      }
    } else {
      while (at_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[at_])) &&
             text_[at_] != ')' && text_[at_] != '}' && text_[at_] != '&' && text_[at_] != '|') {
        value += text_[at_++];
      }
      if (value.empty()) fail("a comparison needs a value.");
      double number = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (error == std::errc() && end == value.data() + value.size()) node.number = number;
    }
    if (!node.number && node.op != Op::kEq && node.op != Op::kNe) {
      fail("<, >, <= and >= compare numbers; got '" + value + "'.");
    }
    node.text = std::move(value);
  }

  static std::unique_ptr<Node> join(Node::Kind kind, std::unique_ptr<Node> left,
                                    std::unique_ptr<Node> right) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool take(std::string_view token) {
    skip_space();
    if (!text_.substr(at_).starts_with(token)) return false;
    at_ += token.size();
    return true;
  }
  // A keyword, not the start of a longer word.
  bool take_word(std::string_view word) {
    skip_space();
    if (!text_.substr(at_).starts_with(word)) return false;
    size_t end = at_ + word.size();
    if (end < text_.size() && std::isalnum(static_cast<unsigned char>(text_[end]))) return false;
    at_ = end;
    return true;
  }
  void expect(char c) {
    if (!take(std::string_view(&c, 1))) {
      fail(std::string("expected '") + c + "' at offset " + std::to_string(at_) + ".");
    }
  }

  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

JsonFilter::JsonFilter(std::unique_ptr<Node> root) : root_(std::move(root)) {}
JsonFilter::~JsonFilter() = default;

std::shared_ptr<const JsonFilter> JsonFilter::compile(std::string_view pattern) {
  return std::make_shared<const JsonFilter>(Parser(pattern).parse());
}

bool JsonFilter::matches(std::string_view message) const {
  size_t first = message.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || message[first] != '{') return false;
  boost::system::error_code error;
  json::value document = json::parse(message, error);
  if (error || !document.is_object()) return false;
  return root_->evaluate(document);
}

}  // namespace gantry::logs
