#pragma once
// The paging tokens of GetLogEvents and FilterLogEvents. A GetLogEvents
// token names a gap between two events of the stream: "f/<position>" reads
// the events after it, oldest first; "b/<position>" the events before it,
// newest first (CloudWatch's tokens carry the same f/ and b/ prefixes). At
// the end of a stream the token read is answered again, as CloudWatch does.
// A FilterLogEvents nextToken names the last event it searched.
#include <string>
#include <string_view>

#include "logs/event_key.h"

namespace gantry::logs {

struct StreamToken {
  bool forward = true;
  // The first event not before the gap: a forward read starts at it, a
  // backward read ends just before it.
  EventKey position;
};

std::string encode_stream_token(const StreamToken& token);
// Throws InvalidParameterException for a token gantry did not issue.
StreamToken decode_stream_token(std::string_view text);

std::string encode_filter_token(const EventKey& last_searched);
EventKey decode_filter_token(std::string_view text);

// The eventId FilterLogEvents shows for an event: stable, as its sequence is.
std::string event_id(const EventKey& key);

}  // namespace gantry::logs
