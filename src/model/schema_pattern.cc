// GCC 12 with -fsanitize=address,undefined and optimization reports a false
// -Wmaybe-uninitialized inside libstdc++'s regex compiler (std::function
// moved out of a regex state). The warning is located in the library
// headers, so it is silenced for this translation unit, which holds nothing
// but the std::regex wrapper.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "model/schema_pattern.h"

#include <regex>

namespace gantry::model::detail {

struct Pattern::Impl {
  std::regex regex;
};

Pattern::Pattern(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pattern::~Pattern() = default;

std::unique_ptr<const Pattern> Pattern::compile(const std::string& text) {
  // ECMAScript has no Unicode property classes and reads `\p{L}` as the
  // letters "p{L}" instead of failing, which would reject every tag.
  if (text.find("\\p") != std::string::npos || text.find("\\P") != std::string::npos) return nullptr;
  try {
    auto impl = std::make_unique<Impl>(Impl{std::regex(text, std::regex::ECMAScript | std::regex::optimize)});
    return std::unique_ptr<const Pattern>(new Pattern(std::move(impl)));
  } catch (const std::regex_error&) {
    return nullptr;
  }
}

bool Pattern::matches(std::string_view s) const { return std::regex_match(s.begin(), s.end(), impl_->regex); }

}  // namespace gantry::model::detail
