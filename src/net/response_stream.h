#pragma once
// A response whose body is written piece by piece, as HTTP/1.1 chunks, for
// answers that last: an event stream. Writers on any thread queue pieces;
// the connection sends them in order. Nothing here blocks.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace gantry::net {

class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues a piece of the body (one chunk). False once the client has gone
  // or the stream has finished: stop writing.
  virtual bool write(std::string piece) = 0;
  // Ends the body with the last chunk; the connection then reads the next
  // request, as after any keep-alive response.
  virtual void finish() = 0;
  // Bytes queued and not yet sent: a writer that finds too many is ahead of
  // its client.
  virtual size_t queued_bytes() const = 0;
  virtual bool closed() const = 0;
  // Called once, on the connection's executor, when the stream ends: the
  // client went away, a write failed, or finish() was sent. Set it before
  // the first write.
  virtual void on_closed(std::function<void()> callback) = 0;
};

}  // namespace gantry::net
