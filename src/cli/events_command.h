#pragma once
// `gantry events`: the control plane's event stream (StreamEvents), one
// EventBridge-shaped event a line, as `docker events` prints a machine's;
// optionally filtered by an EventBridge event pattern and followed.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cli/client_options.h"

namespace CLI {
class App;
}

namespace gantry::cli {

struct EventsCommandOptions {
  ClientOptions client;
  bool follow = false;
  std::optional<std::string> pattern;     // none: every event
  std::optional<uint64_t> from_revision;  // none: the server's default
};

// Adds the `events` subcommand and its options to `app`; the subcommand's
// parsed() says whether it was chosen.
CLI::App* add_events_command(CLI::App& app, EventsCommandOptions& options);

// Prints the events until the stream ends (or, with follow, until SIGINT or
// SIGTERM). Returns the exit status; errors are printed to stderr.
int run_events(const EventsCommandOptions& options);

// The StreamEvents request body: {"follow", "eventPattern"?, "fromRevision"?}.
// Throws core::ApiError when the pattern does not compile.
std::string stream_events_body(const EventsCommandOptions& options);

// A heartbeat line ({} with any surrounding blanks) keeps an idle stream
// open and is not printed.
bool is_heartbeat(std::string_view line);

// "<__type>: <message>" for an error answer's body, as the aws cli names
// errors; "HTTP <status>: <body>" when the body is not one.
std::string error_answer(unsigned status, std::string_view body);

// Reassembles newline-delimited lines from a body that arrives in pieces cut
// anywhere. Lines are handed over without their "\n" (or "\r\n"); blank ones
// are skipped.
class NdjsonLines {
 public:
  // Returns false once on_line has: the rest of `piece` is then dropped.
  // Throws std::runtime_error for a line longer than kMaxLine.
  using OnLine = std::function<bool(std::string_view)>;
  bool feed(std::string_view piece, const OnLine& on_line);
  // At the end of the body: hands over an unterminated last line, if any.
  bool finish(const OnLine& on_line);

  static constexpr size_t kMaxLine = 16 * 1024 * 1024;

 private:
  bool emit(std::string_view line, const OnLine& on_line);

  std::string partial_;  // the start of a line whose "\n" has not come yet
};

}  // namespace gantry::cli
