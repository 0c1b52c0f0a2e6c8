#pragma once
// CloudWatch Logs' filter pattern language, as FilterLogEvents applies it
// (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/logs/FilterAndPatternSyntax.html):
//   - empty: every event;
//   - terms: `ERROR Exception` (every term), `?ERROR ?WARN` (any of them),
//     `-DEBUG` (none of them), `"a phrase"` (exact, spaces included);
//     case-sensitive, matched anywhere in the message;
//   - JSON: `{ $.level = "error" && ($.latency > 500 || $.retry IS TRUE) }`
//     (json_filter.h), matched against messages that are JSON objects.
// Compiled once per request; matching is thread-safe.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::logs {

class JsonFilter;

class FilterPattern {
 public:
  // Throws InvalidParameterException for a pattern that does not parse.
  static FilterPattern compile(std::string_view pattern);

  bool matches(std::string_view message) const;
  bool matches_everything() const {
    return !json_ && required_.empty() && any_of_.empty() && none_of_.empty();
  }

 private:
  std::vector<std::string> required_;
  std::vector<std::string> any_of_;
  std::vector<std::string> none_of_;
  std::shared_ptr<const JsonFilter> json_;
};

}  // namespace gantry::logs
