// libFuzzer target for what the Docker driver reads from the engine's
// streams: the multiplexed log/exec framing (split at arbitrary points, as
// the socket delivers it) and container inspections turned into exits.
// Nothing the engine sends may crash the agent; frames must never be
// reported longer than the bytes received.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/docker/docker_client.h"
#include "agent/drivers/docker_events.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte picks where the stream is cut into pieces.
  const std::size_t piece = 1 + static_cast<unsigned char>(input[0]) % 64;
  input.remove_prefix(1);

  gantry::agent::docker::StreamDemuxer demuxer;
  std::size_t delivered = 0;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    demuxer.feed(input.substr(at, piece),
                 [&](gantry::agent::docker::StreamKind, std::string_view frame) {
                   delivered += frame.size();
                 });
  }
  if (delivered > input.size()) std::abort();

  boost::json::error_code ec;
  auto parsed = boost::json::parse(input, ec);
  if (!ec && parsed.is_object()) {
    (void)gantry::agent::DockerEvents::exit_status(parsed.get_object());
  }
  return 0;
}
