#pragma once
// A botocore `pattern` constraint, compiled once. Kept apart from the other
// schema files so that <regex> and its compiler warnings stay in one TU.
#include <memory>
#include <string>
#include <string_view>

namespace gantry::model::detail {

class Pattern {
 public:
  // Null when std::regex's ECMAScript grammar cannot express `text` the way
  // botocore (Java regular expressions) means it; such a pattern is not checked.
  static std::unique_ptr<const Pattern> compile(const std::string& text);

  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  // Whole-string match, as AWS services apply model patterns.
  bool matches(std::string_view s) const;

 private:
  struct Impl;
  explicit Pattern(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::model::detail
