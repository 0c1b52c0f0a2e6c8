// HttpClient over a unix socket (how the Docker Engine API is reached):
// plain exchanges, and streamed bodies delivered as they arrive, errors
// returned whole, and interrupt() from another thread.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "net/blocked_thread.h"
#include "net/http_client.h"
#include "net/unix_http_server.h"

namespace gantry::net {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::chunk;
using testing::chunked_head;
using testing::Gate;
using testing::http_response;
using testing::last_chunk;
using testing::ServerConnection;
using testing::ServerRequest;
using testing::UnixHttpServer;

// How long a scripted server holds a connection it never answers on. Only a
// failing test waits this long: a passing one is ended by the client first.
constexpr auto kHeldOpen = 5s;

HttpRequest get(std::string target) { return HttpRequest(http::verb::get, target, 11); }

// What a stream() call running on another thread ended with.
struct StreamOutcome {
  std::optional<HttpResponse> response;
  std::string error;
};

// The stream() call runs on a thread of its own, whose id goes to `thread`.
std::future<StreamOutcome> stream_async(HttpClient& client, HttpRequest request,
                                        HttpClient::OnData on_data, std::promise<pid_t>& thread) {
  return std::async(std::launch::async, [&client, &thread, request = std::move(request),
                                         on_data = std::move(on_data)]() mutable {
    thread.set_value(static_cast<pid_t>(::syscall(SYS_gettid)));
    StreamOutcome outcome;
    try {
      outcome.response = client.stream(std::move(request), on_data);
    } catch (const std::runtime_error& e) {
      outcome.error = e.what();
    }
    return outcome;
  });
}

TEST(HttpClientUnix, SendsARequestAndReadsTheResponse) {
  std::mutex mutex;
  std::vector<ServerRequest> seen;
  UnixHttpServer server([&](ServerConnection& c) {
    while (auto request = c.read_request()) {
      {
        std::lock_guard lock(mutex);
        seen.push_back(*request);
      }
      c.write(http_response(201, "pong:" + request->body()));
    }
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  EXPECT_EQ(client.host_header(), "localhost");
  HttpRequest request(http::verb::post, "/v1.41/ping?x=1", 11);
  request.body() = "hello";
  auto response = client.send(std::move(request));
  EXPECT_EQ(response.result_int(), 201);
  EXPECT_EQ(response.body(), "pong:hello");
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method(), http::verb::post);
  EXPECT_EQ(seen[0].target(), "/v1.41/ping?x=1");
  EXPECT_EQ(seen[0][http::field::host], "localhost");
  EXPECT_EQ(seen[0][http::field::content_length], "5");
}

TEST(HttpClientUnix, KeepsOneConnectionForSuccessiveRequests) {
  UnixHttpServer server([](ServerConnection& c) {
    while (auto request = c.read_request()) c.write(http_response(200, std::string(request->target())));
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  EXPECT_EQ(client.send(get("/a")).body(), "/a");
  EXPECT_EQ(client.send(get("/b")).body(), "/b");
  EXPECT_EQ(client.send(get("/c")).body(), "/c");
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientUnix, ReopensAConnectionTheServerClosedWhileIdle) {
  // Each connection answers one request and then closes, without saying so.
  Gate first_closed;
  UnixHttpServer server([&](ServerConnection& c) {
    if (auto request = c.read_request()) c.write(http_response(200, std::string(request->target())));
    c.shut_down();  // the client's end reads the close from now on
    first_closed.open();
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  EXPECT_EQ(client.send(get("/first")).body(), "/first");
  ASSERT_TRUE(first_closed.wait());
  EXPECT_EQ(client.send(get("/second")).body(), "/second");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientUnix, SendTimesOutWhenTheServerDoesNotAnswer) {
  // The server holds the connection open and silent until the client gives up
  // on it: only the client's timeout can end the call before kHeldOpen.
  std::atomic<bool> server_gave_up = false;
  UnixHttpServer server([&](ServerConnection& c) {
    c.read_request();
    if (!c.wait_for_close(kHeldOpen)) server_gave_up = true;
  });
  HttpClient client(UnixSocketPath{server.path()}, 150ms);
  try {
    client.send(get("/slow"));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("timeout"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(server_gave_up) << "the call ended only when the server closed the connection";
}

TEST(HttpClientUnix, CannotConnectToAMissingSocket) {
  HttpClient client(UnixSocketPath{"/tmp/gantry-no-such-dir/engine.sock"}, 500ms);
  try {
    client.send(get("/version"));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("unix:/tmp/gantry-no-such-dir/engine.sock"),
              std::string::npos)
        << e.what();
  }
}

TEST(HttpClientUnix, StreamDeliversAChunkedBodyPieceByPiece) {
  UnixHttpServer server([](ServerConnection& c) {
    c.read_request();
    c.write(chunked_head(200) + chunk("one\n") + chunk("two\n"));
    c.write(chunk("three\n") + last_chunk());
    c.wait_for_close();
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  std::string received;
  auto head = client.stream(get("/events"), [&](std::string_view data) {
    received.append(data);
    return true;
  });
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[http::field::content_type], "application/json");
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(received, "one\ntwo\nthree\n");
}

TEST(HttpClientUnix, StreamDeliversABodyOfKnownLength) {
  const std::string body(40000, 'z');  // more than one read's buffer
  UnixHttpServer server([&](ServerConnection& c) {
    c.read_request();
    c.write(http_response(200, body, "application/octet-stream"));
    c.wait_for_close();
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  std::string received;
  int pieces = 0;
  client.stream(get("/logs"), [&](std::string_view data) {
    received.append(data);
    ++pieces;
    return true;
  });
  EXPECT_EQ(received, body);
  EXPECT_GE(pieces, 2);
}

// The bug this guards against: data already received waited in the
// client until more came, so an idle stream's last event was held back.
TEST(HttpClientUnix, AnIdleStreamsDataArrivesWithoutWaitingForMore) {
  Gate delivered;
  std::atomic<bool> sent_more = false;
  UnixHttpServer server([&](ServerConnection& c) {
    c.read_request();
    c.write(chunked_head(200) + chunk(R"({"Action":"die"})" "\n"));
    delivered.wait(1500ms);  // then sends the rest anyway, so a failure cannot hang
    sent_more = true;
    c.write(chunk(R"({"Action":"destroy"})" "\n") + last_chunk());
    c.wait_for_close();
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  std::string received;
  bool first_before_more = false;
  client.stream(get("/events"), [&](std::string_view data) {
    received.append(data);
    if (!delivered.is_open() && received == "{\"Action\":\"die\"}\n") {
      first_before_more = !sent_more;
      delivered.open();
    }
    return true;
  });
  EXPECT_TRUE(first_before_more) << "the first event waited for the second";
  EXPECT_EQ(received, "{\"Action\":\"die\"}\n{\"Action\":\"destroy\"}\n");
}

TEST(HttpClientUnix, AnErrorResponseIsReturnedWithItsBodyNotStreamed) {
  UnixHttpServer server([](ServerConnection& c) {
    c.read_request();
    c.write(http_response(404, R"({"message":"No such image: nope:latest"})"));
    c.wait_for_close();
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  bool streamed = false;
  auto response = client.stream(get("/images/create"), [&](std::string_view) {
    streamed = true;
    return true;
  });
  EXPECT_FALSE(streamed);
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_EQ(response.body(), R"({"message":"No such image: nope:latest"})");
}

TEST(HttpClientUnix, AChunkedErrorBodyIsReturnedWhole) {
  UnixHttpServer server([](ServerConnection& c) {
    c.read_request();
    c.write(chunked_head(500, "text/plain") + chunk("engine ") + chunk("failure") + last_chunk());
    c.wait_for_close();
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  bool streamed = false;
  auto response = client.stream(get("/x"), [&](std::string_view) {
    streamed = true;
    return true;
  });
  EXPECT_FALSE(streamed);
  EXPECT_EQ(response.result_int(), 500);
  EXPECT_EQ(response.body(), "engine failure");
}

TEST(HttpClientUnix, AnErrorBodyIsCutAt64KiB) {
  // The server sends more than the cap and then keeps the stream open: the
  // client must not wait for its end.
  std::atomic<bool> server_gave_up = false;
  UnixHttpServer server([&](ServerConnection& c) {
    c.read_request();
    c.write(chunked_head(400, "text/plain") + chunk(std::string(100 * 1024, 'e')));
    if (!c.wait_for_close(kHeldOpen)) server_gave_up = true;
  });
  HttpClient client(UnixSocketPath{server.path()}, kHeldOpen * 2);
  auto response = client.stream(get("/x"), [](std::string_view) { return true; });
  EXPECT_FALSE(server_gave_up) << "the client waited for the end of the error body";
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(response.body(), std::string(64 * 1024, 'e'));
}

TEST(HttpClientUnix, OnDataReturningFalseEndsTheStream) {
  Gate closed;
  UnixHttpServer server([&](ServerConnection& c) {
    c.read_request();
    c.write(chunked_head(200) + chunk("enough"));
    if (c.wait_for_close()) closed.open();
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  int calls = 0;
  auto head = client.stream(get("/logs"), [&](std::string_view data) {
    ++calls;
    EXPECT_EQ(data, "enough");
    return false;
  });
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(closed.wait(1s)) << "the stream's connection was left open";
}

TEST(HttpClientUnix, InterruptMakesABlockedStreamThrowPromptly) {
  Gate receiving;
  std::atomic<bool> server_gave_up = false;
  UnixHttpServer server([&](ServerConnection& c) {
    c.read_request();
    c.write(chunked_head(200) + chunk("event\n"));
    // An idle stream, as Docker's events are: it ends only when a side closes.
    if (!c.wait_for_close(kHeldOpen)) server_gave_up = true;
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  std::promise<pid_t> streaming_thread;
  auto outcome = stream_async(
      client, get("/events"),
      [&](std::string_view) {
        receiving.open();
        return true;
      },
      streaming_thread);
  ASSERT_TRUE(receiving.wait());
  ASSERT_TRUE(testing::wait_until_blocked(streaming_thread.get_future().get()));
  client.interrupt();
  const auto result = outcome.get();
  EXPECT_FALSE(server_gave_up) << "the stream ended only when the server closed it";
  EXPECT_FALSE(result.response);
  EXPECT_NE(result.error.find("HTTP stream from unix:"), std::string::npos) << result.error;
}

TEST(HttpClientUnix, InterruptWhileWaitingForTheHeadersThrows) {
  Gate requested;
  std::atomic<bool> server_gave_up = false;
  UnixHttpServer server([&](ServerConnection& c) {
    c.read_request();
    requested.open();
    if (!c.wait_for_close(kHeldOpen)) server_gave_up = true;  // never answers
  });
  HttpClient client(UnixSocketPath{server.path()}, kHeldOpen * 2);
  std::promise<pid_t> streaming_thread;
  auto outcome = stream_async(
      client, get("/events"), [](std::string_view) { return true; }, streaming_thread);
  ASSERT_TRUE(requested.wait());
  ASSERT_TRUE(testing::wait_until_blocked(streaming_thread.get_future().get()));
  client.interrupt();
  const auto result = outcome.get();
  EXPECT_FALSE(server_gave_up) << "the stream ended only when the server closed it";
  EXPECT_FALSE(result.response) << "an interrupted stream passed for a "
                                << result.response->result_int() << " response";
  EXPECT_FALSE(result.error.empty());
}

TEST(HttpClientUnix, AStreamBrokenOffMidBodyThrows) {
  UnixHttpServer server([](ServerConnection& c) {
    c.read_request();
    c.write(chunked_head(200) + chunk("partial"));
    // Returning closes the connection before the last chunk.
  });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  std::string received;
  EXPECT_THROW(client.stream(get("/events"),
                             [&](std::string_view data) {
                               received.append(data);
                               return true;
                             }),
               std::runtime_error);
  EXPECT_EQ(received, "partial");
}

TEST(HttpClientUnix, AStreamClosedBeforeAnyAnswerThrows) {
  UnixHttpServer server([](ServerConnection& c) { c.read_request(); });
  HttpClient client(UnixSocketPath{server.path()}, 2s);
  bool streamed = false;
  try {
    auto response = client.stream(get("/images/create"), [&](std::string_view) {
      streamed = true;
      return true;
    });
    ADD_FAILURE() << "a connection closed without an answer passed for a "
                  << response.result_int() << " response";
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(streamed);
}

}  // namespace
}  // namespace gantry::net
