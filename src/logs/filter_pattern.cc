#include "logs/filter_pattern.h"

#include "core/error.h"
#include "logs/json_filter.h"

namespace gantry::logs {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A quoted phrase from `text[i]` (its opening quote); `\"` and `\\` escape.
std::string read_phrase(std::string_view text, size_t& i) {
  std::string phrase;
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      phrase += text[++i];
    } else if (text[i] == '"') {
      ++i;
      return phrase;
    } else {
      phrase += text[i];
    }
  }
  throw core::invalid_parameter("Invalid filter pattern: unterminated quoted phrase.");
}

}  // namespace

FilterPattern FilterPattern::compile(std::string_view pattern) {
  FilterPattern compiled;
  size_t begin = 0;
  while (begin < pattern.size() && is_space(pattern[begin])) ++begin;
  if (begin < pattern.size() && pattern[begin] == '{') {
    compiled.json_ = JsonFilter::compile(pattern.substr(begin));
    return compiled;
  }
  if (begin < pattern.size() && pattern[begin] == '[') {
    throw core::invalid_parameter(
        "Invalid filter pattern: space-delimited patterns ([...]) are not supported by gantry.");
  }
  for (size_t i = begin; i < pattern.size();) {
    if (is_space(pattern[i])) {
      ++i;
      continue;
    }
    std::vector<std::string>* list = &compiled.required_;
    if (pattern[i] == '?' || pattern[i] == '-') {
      list = pattern[i] == '?' ? &compiled.any_of_ : &compiled.none_of_;
      ++i;
    }
    std::string term;
    if (i < pattern.size() && pattern[i] == '"') {
      term = read_phrase(pattern, i);
    } else {
      while (i < pattern.size() && !is_space(pattern[i])) term += pattern[i++];
    }
    if (term.empty()) {
      throw core::invalid_parameter("Invalid filter pattern: an empty term in '" +
                                    std::string(pattern) + "'.");
    }
    list->push_back(std::move(term));
  }
  return compiled;
}

bool FilterPattern::matches(std::string_view message) const {
  if (json_) return json_->matches(message);
  for (const std::string& term : required_) {
    if (message.find(term) == std::string_view::npos) return false;
  }
  for (const std::string& term : none_of_) {
    if (message.find(term) != std::string_view::npos) return false;
  }
  if (any_of_.empty()) return true;
  for (const std::string& term : any_of_) {
    if (message.find(term) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace gantry::logs
