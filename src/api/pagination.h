#pragma once
// ECS list pagination: `maxResults` bounds a page and `nextToken` resumes
// after the last item returned. The token is opaque to clients.
#include <boost/json.hpp>

#include <optional>
#include <string>

namespace gantry::api {

struct PageRequest {
  size_t max_results;
  std::optional<std::string> after;  // the decoded nextToken
};

// Reads maxResults (1..limit, default `fallback`, or `limit` when 0) and
// nextToken from a list request; throws InvalidParameterException for
// values out of range or a token that is not one gantry issued.
PageRequest read_page_request(const boost::json::object& body, size_t limit = 100,
                              size_t fallback = 0);

std::string encode_page_token(std::string_view last_key);

}  // namespace gantry::api

namespace gantry::api {

// Walks `items` (ordered by `key_of`, ascending or descending) from after
// the page's token, calling `emit` for at most max_results of them; sets
// response["nextToken"] when more remain.
template <class Items, class KeyOf, class Emit>
void paginate(const PageRequest& page, const Items& items, KeyOf key_of, Emit emit,
              boost::json::object& response, bool descending = false) {
  size_t emitted = 0;
  std::string last;
  for (const auto& item : items) {
    std::string key = key_of(item);
    if (page.after && (descending ? key >= *page.after : key <= *page.after)) continue;
    if (emitted == page.max_results) {
      response["nextToken"] = encode_page_token(last);
      return;
    }
    emit(item);
    last = std::move(key);
    ++emitted;
  }
}

}  // namespace gantry::api
