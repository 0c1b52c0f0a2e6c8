#include "scheduler/query_language.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace gantry::scheduler {
namespace query {

enum class Subject {
  AgentConnected,
  AgentVersion,
  Attribute,
  Ec2InstanceId,
  RegisteredAt,
  RunningTasksCount,
  TaskGroup,
};

// Positive operators only: a negated one is stored as its positive form with
// Comparison::negated set.
enum class Op { Equals, Greater, GreaterEqual, Less, LessEqual, Exists, In, Matches };

struct Comparison {
  Subject subject = Subject::Attribute;
  std::string attribute;  // attribute:<name>
  Op op = Op::Equals;
  bool negated = false;
  std::vector<std::string> values;  // the argument, or in's list
  std::optional<std::regex> regex;  // =~
  std::vector<int64_t> version;     // agentVersion's argument
  int64_t number = 0;               // runningTasksCount's argument
  int64_t from = 0, until = 0;      // registeredAt's argument as [from, until)
};

struct Node {
  enum class Kind { And, Or, Not, Compare } kind = Kind::Compare;
  std::unique_ptr<const Node> left, right;  // Not uses left only
  Comparison comparison;
};

}  // namespace query

namespace {

using query::Comparison;
using query::Node;
using query::Op;
using query::Subject;

constexpr size_t kMaxExpressionLength = 2000;  // ECS's limit
constexpr int kMaxDepth = 64;                  // bounds the recursion

// ---- argument parsing, shared by compile and match --------------------------

std::optional<std::vector<int64_t>> parse_version(std::string_view text) {
  if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) text.remove_prefix(1);
  std::vector<int64_t> parts;
  while (true) {
    size_t end = 0;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == 0 || end > 9) return std::nullopt;
    int64_t part = 0;
    std::from_chars(text.data(), text.data() + end, part);
    parts.push_back(part);
    text.remove_prefix(end);
    if (text.empty()) return parts;
    if (text[0] != '.') return std::nullopt;
    text.remove_prefix(1);
  }
}

int compare_versions(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    int64_t x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;  // 1.2 == 1.2.0
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::optional<int> digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool valid_day(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// The documented formats: 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z,
// 2018-06-18T22:28:28 (UTC) and 2018-06-18. Returns the seconds it covers.
std::optional<std::pair<int64_t, int64_t>> parse_date(std::string_view text) {
  auto y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
  if (!y || !m || !d || text[4] != '-' || text[7] != '-' || !valid_day(*y, *m, *d))
    return std::nullopt;
  const int64_t day = days_from_civil(*y, *m, *d) * 86400;
  if (text.size() == 10) return std::pair{day, day + 86400};
  auto hh = digits(text, 11, 2), mm = digits(text, 14, 2), ss = digits(text, 17, 2);
  if (text[10] != 'T' || !hh || !mm || !ss || text[13] != ':' || text[16] != ':' || *hh > 23 ||
      *mm > 59 || *ss > 59)
    return std::nullopt;
  int64_t at = day + *hh * 3600 + *mm * 60 + *ss;
  std::string_view zone = text.substr(19);
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto oh = digits(zone, 1, 2), om = digits(zone, 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    const int64_t offset = *oh * 3600 + *om * 60;
    at += zone[0] == '+' ? -offset : offset;
  } else if (!zone.empty() && zone != "Z") {
    return std::nullopt;
  }
  return std::pair{at, at + 1};
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

// ---- matching ---------------------------------------------------------------

bool ordering_holds(Op op, int cmp) {
  switch (op) {
    case Op::Equals: return cmp == 0;
    case Op::Greater: return cmp > 0;
    case Op::GreaterEqual: return cmp >= 0;
    case Op::Less: return cmp < 0;
    case Op::LessEqual: return cmp <= 0;
    default: return false;
  }
}

int compare_values(const std::string& a, const std::string& b) {
  auto x = parse_number(a), y = parse_number(b);
  if (x && y) return *x < *y ? -1 : (*x > *y ? 1 : 0);
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

bool test_string(const Comparison& c, const std::string& value) {
  switch (c.op) {
    case Op::Equals: return value == c.values.front();
    case Op::In: return std::find(c.values.begin(), c.values.end(), value) != c.values.end();
    case Op::Matches: return std::regex_match(value, *c.regex);
    case Op::Exists: return true;
    default: return ordering_holds(c.op, compare_values(value, c.values.front()));
  }
}

bool test_task_groups(const Comparison& c, const TaskGroups& groups) {
  switch (c.op) {
    case Op::Equals: return groups.contains(c.values.front());
    case Op::In:
      return std::any_of(c.values.begin(), c.values.end(),
                         [&](const std::string& v) { return groups.contains(v); });
    default:
      return std::any_of(groups.begin(), groups.end(),
                         [&](const auto& group) { return test_string(c, group.first); });
  }
}

bool test_registered_at(const Comparison& c, double at) {
  const auto from = static_cast<double>(c.from), until = static_cast<double>(c.until);
  switch (c.op) {
    case Op::Equals: return at >= from && at < until;
    case Op::Greater: return at >= until;
    case Op::GreaterEqual: return at >= from;
    case Op::Less: return at < from;
    case Op::LessEqual: return at < until;
    default: return false;
  }
}

bool test(const Comparison& c, const InstanceView& instance) {
  switch (c.subject) {
    case Subject::AgentConnected:
      return test_string(c, instance.agent_connected ? "true" : "false");
    case Subject::Ec2InstanceId: return test_string(c, instance.ec2_instance_id);
    case Subject::Attribute: {
      auto it = instance.attributes.find(c.attribute);
      return it != instance.attributes.end() && test_string(c, it->second);
    }
    case Subject::TaskGroup: return test_task_groups(c, instance.task_groups);
    case Subject::AgentVersion: {
      auto version = parse_version(instance.agent_version);
      return version && ordering_holds(c.op, compare_versions(*version, c.version));
    }
    case Subject::RunningTasksCount: {
      const int64_t n = instance.running_tasks_count;
      return ordering_holds(c.op, n < c.number ? -1 : (n > c.number ? 1 : 0));
    }
    case Subject::RegisteredAt: return test_registered_at(c, instance.registered_at);
  }
  return false;
}

bool evaluate(const Node& node, const InstanceView& instance) {
  switch (node.kind) {
    case Node::Kind::And: return evaluate(*node.left, instance) && evaluate(*node.right, instance);
    case Node::Kind::Or: return evaluate(*node.left, instance) || evaluate(*node.right, instance);
    case Node::Kind::Not: return !evaluate(*node.left, instance);
    case Node::Kind::Compare:
      return node.comparison.negated != test(node.comparison, instance);
  }
  return false;
}

// ---- parsing ----------------------------------------------------------------

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct OperatorName {
  std::string_view name;
  Op op;
  bool negated;
};

// Symbols first, longest first, so that ">=" is not read as ">".
constexpr OperatorName kSymbols[] = {
    {"==", Op::Equals, false},  {"!=", Op::Equals, true},    {">=", Op::GreaterEqual, false},
    {"<=", Op::LessEqual, false}, {"=~", Op::Matches, false}, {"!~", Op::Matches, true},
    {">", Op::Greater, false},  {"<", Op::Less, false},
};
constexpr OperatorName kWords[] = {
    {"equals", Op::Equals, false},
    {"not_equals", Op::Equals, true},
    {"greater_than", Op::Greater, false},
    {"greater_than_equal", Op::GreaterEqual, false},
    {"less_than", Op::Less, false},
    {"less_than_equal", Op::LessEqual, false},
    {"exists", Op::Exists, false},
    {"!exists", Op::Exists, true},
    {"not_exists", Op::Exists, true},
    {"in", Op::In, false},
    {"!in", Op::In, true},
    {"not_in", Op::In, true},
    {"matches", Op::Matches, false},
    {"not_matches", Op::Matches, true},
};

// The operators the documentation lists for each subject.
bool allowed(Subject subject, Op op) {
  switch (subject) {
    case Subject::Attribute: return true;
    case Subject::AgentConnected:
    case Subject::Ec2InstanceId:
    case Subject::TaskGroup: return op == Op::Equals || op == Op::In || op == Op::Matches;
    case Subject::AgentVersion:
    case Subject::RegisteredAt:
    case Subject::RunningTasksCount:
      return op == Op::Equals || op == Op::Greater || op == Op::GreaterEqual || op == Op::Less ||
             op == Op::LessEqual;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::unique_ptr<const Node> parse() {
    if (text_.size() > kMaxExpressionLength)
      throw core::invalid_parameter("Invalid cluster query expression: it is longer than " +
                                    std::to_string(kMaxExpressionLength) + " characters.");
    skip_space();
    if (at_end()) fail("the expression is empty");
    auto node = parse_or(0);
    skip_space();
    if (!at_end()) fail("expected 'and', 'or' or the end of the expression");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw core::invalid_parameter("Invalid cluster query expression \"" + std::string(text_) +
                                  "\": " + what + " at character " + std::to_string(pos_ + 1) +
                                  ".");
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && is_space(text_[pos_])) ++pos_;
  }

  bool take_symbol(std::string_view symbol) {
    if (text_.substr(pos_, symbol.size()) != symbol) return false;
    pos_ += symbol.size();
    return true;
  }

  // A keyword counts only as a whole word: "order" is not "or".
  bool take_keyword(std::string_view word) {
    if (!iequals(text_.substr(pos_, word.size()), word)) return false;
    const size_t end = pos_ + word.size();
    if (end < text_.size() && !is_space(text_[end]) && text_[end] != '(') return false;
    pos_ = end;
    return true;
  }

  // A run of characters up to white space or any of `stops`.
  std::string_view take_word(std::string_view stops) {
    const size_t start = pos_;
    while (!at_end() && !is_space(text_[pos_]) && stops.find(text_[pos_]) == std::string_view::npos)
      ++pos_;
    return text_.substr(start, pos_ - start);
  }

  std::unique_ptr<const Node> combine(Node::Kind kind, std::unique_ptr<const Node> left,
                                      std::unique_ptr<const Node> right) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  // or binds loosest, then and, then not.
  std::unique_ptr<const Node> parse_or(int depth) {
    auto left = parse_and(depth);
    while (true) {
      skip_space();
      if (!take_symbol("||") && !take_keyword("or")) return left;
      left = combine(Node::Kind::Or, std::move(left), parse_and(depth));
    }
  }

  std::unique_ptr<const Node> parse_and(int depth) {
    auto left = parse_unary(depth);
    while (true) {
      skip_space();
      if (!take_symbol("&&") && !take_keyword("and")) return left;
      left = combine(Node::Kind::And, std::move(left), parse_unary(depth));
    }
  }

  std::unique_ptr<const Node> parse_unary(int depth) {
    if (depth > kMaxDepth) fail("the expression is nested too deeply");
    skip_space();
    if (at_end()) fail("expected an expression");
    if (take_symbol("!") || take_keyword("not"))
      return combine(Node::Kind::Not, parse_unary(depth + 1), nullptr);
    if (take_symbol("(")) {
      auto inner = parse_or(depth + 1);
      skip_space();
      if (!take_symbol(")")) fail("expected ')'");
      return inner;
    }
    auto node = std::make_unique<Node>();
    node->comparison = parse_comparison();
    return node;
  }

  Comparison parse_comparison() {
    Comparison c;
    const size_t subject_at = pos_;
    std::string_view subject = take_word("()[],'\"=!<>~");
    if (subject.empty()) fail("expected a subject");
    if (subject == "agentConnected") {
      c.subject = Subject::AgentConnected;
    } else if (subject == "agentVersion") {
      c.subject = Subject::AgentVersion;
    } else if (subject == "ec2InstanceId") {
      c.subject = Subject::Ec2InstanceId;
    } else if (subject == "registeredAt") {
      c.subject = Subject::RegisteredAt;
    } else if (subject == "runningTasksCount") {
      c.subject = Subject::RunningTasksCount;
    } else if (subject == "task:group") {
      c.subject = Subject::TaskGroup;
    } else if (subject.starts_with("attribute:") && subject.size() > 10) {
      c.subject = Subject::Attribute;
      c.attribute = std::string(subject.substr(10));
    } else {
      pos_ = subject_at;
      fail("unknown subject '" + std::string(subject) +
           "' (expected agentConnected, agentVersion, attribute:<name>, ec2InstanceId, "
           "registeredAt, runningTasksCount or task:group)");
    }

    skip_space();
    const size_t op_at = pos_;
    parse_operator(c);
    if (!allowed(c.subject, c.op)) {
      pos_ = op_at;
      fail("'" + std::string(subject) + "' does not take this operator");
    }
    if (c.op != Op::Exists) parse_argument(c);
    return c;
  }

  void parse_operator(Comparison& c) {
    for (const auto& symbol : kSymbols) {
      if (take_symbol(symbol.name)) {
        c.op = symbol.op;
        c.negated = symbol.negated;
        return;
      }
    }
    const size_t start = pos_;
    std::string_view word = take_word("()[],'\"");
    for (const auto& name : kWords) {
      if (iequals(word, name.name)) {
        c.op = name.op;
        c.negated = name.negated;
        return;
      }
    }
    pos_ = start;
    fail("expected an operator");
  }

  std::string parse_value() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') {
      std::string_view word = take_word("()[],'\"");
      if (word.empty()) fail("expected an argument");
      return std::string(word);
    }
    const size_t start = pos_++;
    std::string value;
    while (!at_end() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      value.push_back(text_[pos_++]);
    }
    if (at_end()) {
      pos_ = start;
      fail("unterminated quoted string");
    }
    ++pos_;
    return value;
  }

  void parse_argument(Comparison& c) {
    skip_space();
    const size_t arg_at = pos_;
    if (c.op == Op::In) {
      if (!take_symbol("[")) fail("'in' expects a list such as [a, b]");
      do {
        c.values.push_back(parse_value());
        skip_space();
      } while (take_symbol(","));
      if (!take_symbol("]")) fail("expected ',' or ']'");
    } else {
      if (peek() == '[') fail("only 'in' and 'not_in' take a list");
      c.values.push_back(parse_value());
    }
    const size_t end = pos_;
    pos_ = arg_at;  // errors below point at the argument
    compile_argument(c);
    pos_ = end;
  }

  void compile_argument(Comparison& c) {
    const std::string& value = c.values.front();
    if (c.op == Op::Matches) {
      try {
        c.regex.emplace(value, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        fail("'" + value + "' is not a valid regular expression");
      }
      return;
    }
    switch (c.subject) {
      case Subject::AgentConnected:
        for (auto& v : c.values)
          std::transform(v.begin(), v.end(), v.begin(),
                         [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        break;
      case Subject::AgentVersion: {
        auto version = parse_version(value);
        if (!version) fail("agentVersion expects a version such as 1.20.0, not '" + value + "'");
        c.version = std::move(*version);
        break;
      }
      case Subject::RunningTasksCount: {
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), c.number);
        if (ec != std::errc() || end != value.data() + value.size())
          fail("runningTasksCount expects a whole number, not '" + value + "'");
        break;
      }
      case Subject::RegisteredAt: {
        auto range = parse_date(value);
        if (!range)
          fail("registeredAt expects a date such as 2018-06-18 or 2018-06-18T22:28:28Z, not '" +
               value + "'");
        c.from = range->first;
        c.until = range->second;
        break;
      }
      default: break;
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

bool CompiledQuery::matches(const InstanceView& instance) const {
  return evaluate(*root_, instance);
}

CompiledQuery compile_query(std::string_view expression) {
  return CompiledQuery(Parser(expression).parse());
}

}  // namespace gantry::scheduler
