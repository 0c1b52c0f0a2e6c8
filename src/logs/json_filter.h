#pragma once
// The JSON half of the filter pattern language
// (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/logs/FilterAndPatternSyntax.html,
// "Using filter patterns to match terms in JSON log events"):
//   { SELECTOR OP VALUE }   OP one of = != < > <= >=
//   { SELECTOR IS NULL | IS TRUE | IS FALSE }   { SELECTOR NOT EXISTS }
// joined by && and ||, grouped with parentheses (&& binds tighter).
// SELECTOR is $ followed by .member and [index] steps. A string VALUE
// ("quoted" or bare) takes = and != and may hold * wildcards; a numeric one
// compares numerically with JSON numbers. != needs the member to exist.
// A message that is not a JSON object matches no JSON pattern.
#include <memory>
#include <string_view>

namespace gantry::logs {

class JsonFilter {
 public:
  // Throws InvalidParameterException for a pattern that does not parse.
  static std::shared_ptr<const JsonFilter> compile(std::string_view pattern);

  struct Node;
  explicit JsonFilter(std::unique_ptr<Node> root);
  ~JsonFilter();

  bool matches(std::string_view message) const;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace gantry::logs
