// The Docker Engine API client: its stream demultiplexer and query escaping,
// and its calls against a fake engine on a unix socket that answers as
// Docker's does (status codes, {"message"} errors, chunked progress and
// event streams, the raw multiplexed stream of an exec).
#include "agent/docker/docker_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "net/blocked_thread.h"
#include "net/unix_http_server.h"

namespace gantry::agent::docker {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using net::testing::chunk;
using net::testing::chunked_head;
using net::testing::Gate;
using net::testing::http_response;
using net::testing::last_chunk;
using net::testing::ServerConnection;
using net::testing::ServerRequest;
using net::testing::status_line;
using net::testing::UnixHttpServer;

// One frame of Docker's multiplexed stream: kind, three zero bytes, the
// size big-endian, the data.
std::string frame(int kind, std::string_view data) {
  const auto size = static_cast<uint32_t>(data.size());
  std::string out{static_cast<char>(kind), 0, 0, 0,
                  static_cast<char>(size >> 24), static_cast<char>((size >> 16) & 0xff),
                  static_cast<char>((size >> 8) & 0xff), static_cast<char>(size & 0xff)};
  return out + std::string(data);
}

struct Frame {
  StreamKind kind;
  std::string data;
  bool operator==(const Frame&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Frame& f) {
  return out << static_cast<int>(f.kind) << ":" << f.data;
}

class Collector {
 public:
  DockerClient::OnFrame on_frame() {
    return [this](StreamKind kind, std::string_view data) {
      frames.push_back({kind, std::string(data)});
    };
  }
  std::vector<Frame> frames;
};

TEST(StreamDemuxer, SplitsFramesOfEachKind) {
  StreamDemuxer demuxer;
  Collector got;
  demuxer.feed(frame(1, "out\n") + frame(2, "err\n") + frame(0, "in") + frame(1, ""),
               got.on_frame());
  EXPECT_EQ(got.frames, (std::vector<Frame>{{StreamKind::kStdout, "out\n"},
                                            {StreamKind::kStderr, "err\n"},
                                            {StreamKind::kStdin, "in"},
                                            {StreamKind::kStdout, ""}}));
}

TEST(StreamDemuxer, KeepsAFrameSplitAcrossFeeds) {
  const std::string stream = frame(1, "hello, ") + frame(2, "world") + frame(1, "!\n");
  for (std::size_t piece : {1u, 3u, 8u, 9u, 13u}) {
    StreamDemuxer demuxer;
    Collector got;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      demuxer.feed(std::string_view(stream).substr(at, piece), got.on_frame());
    }
    EXPECT_EQ(got.frames, (std::vector<Frame>{{StreamKind::kStdout, "hello, "},
                                              {StreamKind::kStderr, "world"},
                                              {StreamKind::kStdout, "!\n"}}))
        << "pieces of " << piece;
  }
}

TEST(StreamDemuxer, DeliversNothingUntilAFrameIsWhole) {
  StreamDemuxer demuxer;
  Collector got;
  const std::string f = frame(2, "abcdef");
  demuxer.feed(f.substr(0, 5), got.on_frame());  // part of the header
  demuxer.feed(f.substr(5, 6), got.on_frame());  // the header and part of the data
  EXPECT_TRUE(got.frames.empty());
  demuxer.feed(f.substr(11), got.on_frame());
  EXPECT_EQ(got.frames, (std::vector<Frame>{{StreamKind::kStderr, "abcdef"}}));
}

TEST(StreamDemuxer, SkipsFramesOfUnknownKinds) {
  StreamDemuxer demuxer;
  Collector got;
  demuxer.feed(frame(3, "system") + frame(1, "a") + frame(0xff, std::string(300, 'x')) +
                   frame(2, "b"),
               got.on_frame());
  EXPECT_EQ(got.frames,
            (std::vector<Frame>{{StreamKind::kStdout, "a"}, {StreamKind::kStderr, "b"}}));
}

TEST(StreamDemuxer, ReadsTheSizeAsFourBigEndianBytes) {
  // 0x01020304 bytes would be 16 MiB and more: use 0x00010203 and check the
  // frame after it lines up.
  const std::string big(0x010203, 'q');
  StreamDemuxer demuxer;
  Collector got;
  demuxer.feed(frame(1, big) + frame(2, "next"), got.on_frame());
  ASSERT_EQ(got.frames.size(), 2u);
  EXPECT_EQ(got.frames[0].data.size(), big.size());
  EXPECT_EQ(got.frames[1], (Frame{StreamKind::kStderr, "next"}));
}

TEST(QueryEscape, EscapesAllButUnreservedCharacters) {
  EXPECT_EQ(query_escape("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(query_escape("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(query_escape("registry:5000/app@sha256"), "registry%3A5000%2Fapp%40sha256");
  EXPECT_EQ(query_escape(R"({"label":["k=v"]})"), "%7B%22label%22%3A%5B%22k%3Dv%22%5D%7D");
  EXPECT_EQ(query_escape("%&+?#"), "%25%26%2B%3F%23");
  EXPECT_EQ(query_escape("\xc3\xa9"), "%C3%A9");  // UTF-8 bytes, upper-case hex
  EXPECT_EQ(query_escape(std::string_view("\0\n", 2)), "%00%0A");
  EXPECT_EQ(query_escape(""), "");
}

// "%7B%22a%22%7D" -> "{\"a\"}".
std::string query_unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The query parameter `name` of `target`, unescaped.
std::string query_parameter(std::string_view target, std::string_view name) {
  const auto query = target.substr(target.find('?') + 1);
  std::size_t at = 0;
  while (at <= query.size()) {
    auto end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    const auto pair = query.substr(at, end - at);
    if (pair.starts_with(std::string(name) + "=")) {
      return query_unescape(pair.substr(name.size() + 1));
    }
    at = end + 1;
  }
  return "<absent>";
}

// The fake engine: `route` answers each request; every request is recorded.
class FakeEngine {
 public:
  using Route = std::function<void(const ServerRequest&, ServerConnection&)>;

  explicit FakeEngine(Route route)
      : route_(std::move(route)), server_([this](ServerConnection& c) { serve(c); }) {}

  const std::string& path() const { return server_.path(); }
  int connections() const { return server_.connections(); }

  std::vector<ServerRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve(ServerConnection& c) {
    while (auto request = c.read_request()) {
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(*request);
      }
      route_(*request, c);
    }
  }

  Route route_;
  std::mutex mutex_;
  std::vector<ServerRequest> requests_;
  UnixHttpServer server_;  // last: its threads stop before the rest goes
};

std::string target_of(const ServerRequest& r) { return std::string(r.target()); }

TEST(DockerClient, VersionAsksTheEngine) {
  FakeEngine engine([](const ServerRequest& r, ServerConnection& c) {
    c.write(r.target() == "/v1.41/version"
                ? http_response(200, R"({"Version":"24.0.7","ApiVersion":"1.43"})")
                : http_response(404, R"({"message":"page not found"})"));
  });
  DockerClient client(engine.path());
  EXPECT_EQ(client.socket_path(), engine.path());
  const auto version = client.version();
  EXPECT_EQ(version.at("Version"), "24.0.7");
  EXPECT_EQ(version.at("ApiVersion"), "1.43");
  ASSERT_EQ(engine.requests().size(), 1u);
  EXPECT_EQ(engine.requests()[0].method(), http::verb::get);
}

TEST(DockerClient, VersionThrowsWhenNoEngineAnswers) {
  DockerClient client("/tmp/gantry-no-such-dir/docker.sock");
  EXPECT_THROW(client.version(), std::runtime_error);
}

TEST(DockerClient, InspectImageOfAMissingImageIsNullopt) {
  FakeEngine engine([](const ServerRequest& r, ServerConnection& c) {
    c.write(r.target() == "/v1.41/images/busybox:1.36/json"
                ? http_response(200, R"({"Id":"sha256:abc","RepoTags":["busybox:1.36"]})")
                : http_response(404, R"({"message":"No such image: nope:latest"})"));
  });
  DockerClient client(engine.path());
  EXPECT_FALSE(client.inspect_image("nope:latest"));
  const auto image = client.inspect_image("busybox:1.36");
  ASSERT_TRUE(image);
  EXPECT_EQ(image->at("Id"), "sha256:abc");
  EXPECT_EQ(target_of(engine.requests().at(0)), "/v1.41/images/nope:latest/json");
}

TEST(DockerClient, AnEngineErrorIsADockerErrorWithItsMessage) {
  FakeEngine engine([](const ServerRequest& r, ServerConnection& c) {
    c.write(r.target().starts_with("/v1.41/images/")
                ? http_response(500, R"({"message":"layer store is broken"})")
                : http_response(503, "plain words", "text/plain"));
  });
  DockerClient client(engine.path());
  try {
    client.inspect_image("busybox");
    FAIL() << "no exception";
  } catch (const DockerError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_STREQ(e.what(), "layer store is broken");
  }
  try {
    client.info();
    FAIL() << "no exception";
  } catch (const DockerError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_STREQ(e.what(), "plain words");
  }
}

TEST(DockerClient, CreateContainerSendsTheBodyAndNameAndReturnsTheId) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(http_response(201, R"({"Id":"4fa6e0f0c678","Warnings":[]})"));
  });
  DockerClient client(engine.path());
  const json::object body{{"Image", "busybox"},
                          {"Cmd", json::array{"sleep", "60"}},
                          {"Labels", json::object{{"gantry.task", "t1"}}}};
  EXPECT_EQ(client.create_container("gantry-web-1-app-t1", body), "4fa6e0f0c678");
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method(), http::verb::post);
  EXPECT_EQ(target_of(requests[0]), "/v1.41/containers/create?name=gantry-web-1-app-t1");
  EXPECT_EQ(requests[0][http::field::content_type], "application/json");
  EXPECT_EQ(json::parse(requests[0].body()), body);
}

TEST(DockerClient, CreateContainerOfATakenNameIsAConflict) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(http_response(
        409, R"({"message":"Conflict. The container name \"/app\" is already in use"})"));
  });
  DockerClient client(engine.path());
  try {
    client.create_container("app", {{"Image", "busybox"}});
    FAIL() << "no exception";
  } catch (const DockerError& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_STREQ(e.what(), "Conflict. The container name \"/app\" is already in use");
  }
}

TEST(DockerClient, CreateContainerWithoutAnIdThrows) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(http_response(201, R"({"Warnings":[]})"));
  });
  DockerClient client(engine.path());
  EXPECT_THROW(client.create_container("app", {{"Image", "busybox"}}), std::runtime_error);
}

TEST(DockerClient, RemoveContainerTreatsGoneAndForcedConflictAsDone) {
  // The container id picks the answer.
  const std::map<std::string, int> statuses{
      {"ok", 204}, {"gone", 404}, {"busy", 409}, {"broken", 500}};
  FakeEngine engine([&](const ServerRequest& r, ServerConnection& c) {
    const auto target = target_of(r);
    const auto id = target.substr(std::string("/v1.41/containers/").size(),
                                  target.find('?') - std::string("/v1.41/containers/").size());
    const int status = statuses.at(id);
    c.write(http_response(status, status == 204 ? "" : R"({"message":")" + id + R"("})"));
  });
  DockerClient client(engine.path());
  EXPECT_NO_THROW(client.remove_container("ok", false));
  EXPECT_NO_THROW(client.remove_container("gone", false));
  EXPECT_NO_THROW(client.remove_container("gone", true));
  EXPECT_NO_THROW(client.remove_container("busy", true));
  try {
    client.remove_container("busy", false);
    FAIL() << "an unforced conflict passed";
  } catch (const DockerError& e) {
    EXPECT_EQ(e.status(), 409);
  }
  EXPECT_THROW(client.remove_container("broken", true), DockerError);
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_EQ(requests[0].method(), http::verb::delete_);
  EXPECT_EQ(target_of(requests[0]), "/v1.41/containers/ok?v=1");
  EXPECT_EQ(target_of(requests[2]), "/v1.41/containers/gone?v=1&force=1");
}

TEST(DockerClient, PullImageFollowsTheProgressStream) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(chunked_head(200) + chunk(R"({"status":"Pulling from team/app","id":"1.2"})" "\n"));
    c.write(chunk(R"({"status":"Downloading","progressDetail":{"current":1,"total":2}})" "\n") +
            chunk(R"({"status":"Status: Downloaded newer image"})" "\n") + last_chunk());
  });
  DockerClient client(engine.path());
  EXPECT_NO_THROW(client.pull_image("registry.example.com:5000/team/app:1.2", "e30="));
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method(), http::verb::post);
  EXPECT_EQ(target_of(requests[0]),
            "/v1.41/images/create?fromImage=registry.example.com%3A5000%2Fteam%2Fapp&tag=1.2");
  EXPECT_EQ(requests[0]["X-Registry-Auth"], "e30=");
}

TEST(DockerClient, PullImageNamesATagOrDigest) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(chunked_head(200) + chunk(R"({"status":"done"})" "\n") + last_chunk());
  });
  DockerClient client(engine.path());
  client.pull_image("busybox", "");
  client.pull_image("localhost:5000/busybox", "");
  client.pull_image("busybox@sha256:0123abcd", "");
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(query_parameter(target_of(requests[0]), "fromImage"), "busybox");
  EXPECT_EQ(query_parameter(target_of(requests[0]), "tag"), "latest");
  EXPECT_EQ(requests[0].count("X-Registry-Auth"), 0u);
  EXPECT_EQ(query_parameter(target_of(requests[1]), "fromImage"), "localhost:5000/busybox");
  EXPECT_EQ(query_parameter(target_of(requests[1]), "tag"), "latest");
  EXPECT_EQ(query_parameter(target_of(requests[2]), "fromImage"), "busybox");
  EXPECT_EQ(query_parameter(target_of(requests[2]), "tag"), "sha256:0123abcd");
}

TEST(DockerClient, PullImageFailsOnAnErrorInTheMiddleOfTheStream) {
  // Docker answers 200 and reports a failed pull inside the stream; the
  // error line here is split across chunks.
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(chunked_head(200) + chunk(R"({"status":"Pulling from library/nope"})" "\n") +
            chunk(R"({"errorDetail":{"message":"manifest unknown"},"err)"));
    c.write(chunk(R"(or":"manifest unknown"})" "\n") + last_chunk());
  });
  DockerClient client(engine.path());
  try {
    client.pull_image("nope:1", "");
    FAIL() << "no exception";
  } catch (const DockerError& e) {
    EXPECT_STREQ(e.what(), "manifest unknown");
  }
}

TEST(DockerClient, PullImageRefusedOutrightIsADockerError) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(http_response(404, R"({"message":"pull access denied for nope"})"));
  });
  DockerClient client(engine.path());
  try {
    client.pull_image("nope", "");
    FAIL() << "no exception";
  } catch (const DockerError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_STREQ(e.what(), "pull access denied for nope");
  }
}

// How long the fake engine holds a connection it never answers on. Only a
// failing test waits this long: a passing one is ended by the client first.
constexpr auto kHeldOpen = 5s;

// The exec endpoints as Docker serves them; the start answers with the raw
// multiplexed stream and closes the connection. Without `answer_start`, the
// start is never answered: the engine holds the connection until the client
// closes it, or sets `*engine_gave_up` after kHeldOpen and closes it.
FakeEngine::Route exec_route(std::string output, int exit_code, bool answer_start = true,
                             std::atomic<bool>* engine_gave_up = nullptr) {
  return [output = std::move(output), exit_code, answer_start, engine_gave_up](
             const ServerRequest& r, ServerConnection& c) {
    const auto target = target_of(r);
    if (target == "/v1.41/containers/c1/exec") {
      c.write(http_response(201, R"({"Id":"e1"})"));
    } else if (target == "/v1.41/exec/e1/start") {
      if (!answer_start) {
        if (!c.wait_for_close(kHeldOpen) && engine_gave_up) *engine_gave_up = true;
        return;
      }
      c.write(status_line(200) + "Content-Type: application/vnd.docker.raw-stream\r\n\r\n" +
              output);
      c.shut_down();
    } else if (target == "/v1.41/exec/e1/json") {
      c.write(http_response(
          200, R"({"ID":"e1","Running":false,"ExitCode":)" + std::to_string(exit_code) + "}"));
    } else {
      c.write(http_response(404, R"({"message":"no such exec"})"));
    }
  };
}

TEST(DockerClient, ExecDemuxesTheOutputAndReadsTheExitCode) {
  FakeEngine engine(exec_route(frame(1, "hello ") + frame(2, "warn\n") + frame(1, "world\n"), 3));
  DockerClient client(engine.path());
  const auto out = client.exec("c1", {"sh", "-c", "echo hello world"}, 2s);
  EXPECT_EQ(out.exit_code, 3);
  EXPECT_EQ(out.output, "hello warn\nworld\n");
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(json::parse(requests[0].body()),
            (json::object{{"AttachStdout", true},
                          {"AttachStderr", true},
                          {"Cmd", json::array{"sh", "-c", "echo hello world"}}}));
  EXPECT_EQ(target_of(requests[1]), "/v1.41/exec/e1/start");
  EXPECT_EQ(json::parse(requests[1].body()), (json::object{{"Detach", false}, {"Tty", false}}));
  EXPECT_EQ(requests[2].method(), http::verb::get);
}

TEST(DockerClient, ExecKeepsAtMostMaxOutputBytes) {
  FakeEngine engine(exec_route(frame(1, "hello ") + frame(2, "warn\n") + frame(1, "world\n"), 0));
  DockerClient client(engine.path());
  const auto out = client.exec("c1", {"true"}, 2s, 8);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.output, "hello wa");
}

TEST(DockerClient, ExecThatOutlivesItsTimeoutThrows) {
  std::atomic<bool> engine_gave_up = false;
  FakeEngine engine(exec_route("", 0, false, &engine_gave_up));
  DockerClient client(engine.path());
  try {
    client.exec("c1", {"sleep", "60"}, 150ms);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("timeout"), std::string::npos) << e.what();
  }
  // Ended by the client's timeout, not by the engine closing the connection.
  EXPECT_FALSE(engine_gave_up);
}

TEST(DockerClient, FollowEventsParsesJsonLinesSplitAcrossChunks) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(chunked_head(200) +
            chunk(R"({"Type":"container","Action":"start","Actor":{"ID":"a"},"time":1700000001})"
                  "\n"
                  R"({"Type":"container","Action":"die","Act)"));
    c.write(chunk(R"(or":{"ID":"a","Attributes":{"exitCode":"0"}},"time":1700000002})"));
    c.write(chunk("\n" R"({"Type":"container","Action":"health_status: healthy","Actor":{"ID":"b"}})"
                  "\n") +
            last_chunk());
  });
  DockerClient client(engine.path());
  auto connection = client.streaming_connection();
  const json::object filters{{"type", json::array{"container"}},
                             {"label", json::array{"gantry.managed=true"}}};
  std::vector<json::object> events;
  client.follow_events(*connection, 1700000000, filters,
                       [&](const json::object& e) { events.push_back(e); });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].at("Action"), "start");
  EXPECT_EQ(events[1].at("Action"), "die");
  EXPECT_EQ(events[1].at("Actor").at("Attributes").at("exitCode"), "0");
  EXPECT_EQ(events[2].at("Action"), "health_status: healthy");
  const auto target = target_of(engine.requests().at(0));
  EXPECT_TRUE(target.starts_with("/v1.41/events?")) << target;
  EXPECT_EQ(query_parameter(target, "since"), "1700000000");
  EXPECT_EQ(json::parse(query_parameter(target, "filters")), filters);
}

TEST(DockerClient, FollowEventsStopsWhenInterrupted) {
  Gate seen;
  std::atomic<bool> engine_gave_up = false;
  FakeEngine engine([&](const ServerRequest&, ServerConnection& c) {
    c.write(chunked_head(200) + chunk(R"({"Action":"start","Actor":{"ID":"a"}})" "\n"));
    if (!c.wait_for_close(kHeldOpen)) engine_gave_up = true;
  });
  DockerClient client(engine.path());
  auto connection = client.streaming_connection();
  std::promise<pid_t> following_thread;
  auto followed = std::async(std::launch::async, [&] {
    following_thread.set_value(static_cast<pid_t>(::syscall(SYS_gettid)));
    client.follow_events(*connection, 0, {}, [&](const json::object&) { seen.open(); });
  });
  ASSERT_TRUE(seen.wait());
  // Back in its read, waiting for the next event.
  ASSERT_TRUE(net::testing::wait_until_blocked(following_thread.get_future().get()));
  connection->interrupt();
  EXPECT_THROW(followed.get(), std::runtime_error);
  EXPECT_FALSE(engine_gave_up) << "the stream ended only when the engine closed it";
}

TEST(DockerClient, FollowEventsRefusedIsADockerError) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(http_response(400, R"({"message":"invalid filter 'colour'"})"));
  });
  DockerClient client(engine.path());
  auto connection = client.streaming_connection();
  bool called = false;
  try {
    client.follow_events(*connection, 0, {{"colour", json::array{"red"}}},
                         [&](const json::object&) { called = true; });
    FAIL() << "no exception";
  } catch (const DockerError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_STREQ(e.what(), "invalid filter 'colour'");
  }
  EXPECT_FALSE(called);
}

TEST(DockerClient, FollowLogsDemuxesFramesSplitAcrossChunks) {
  const std::string stream = frame(1, "line one\n") + frame(2, "oops\n");
  FakeEngine engine([&](const ServerRequest&, ServerConnection& c) {
    c.write(chunked_head(200, "application/vnd.docker.multiplexed-stream") +
            chunk(stream.substr(0, 5)) + chunk(stream.substr(5, 14)) + chunk(stream.substr(19)) +
            last_chunk());
  });
  DockerClient client(engine.path());
  auto connection = client.streaming_connection();
  Collector got;
  client.follow_logs(*connection, "c1", true, got.on_frame());
  EXPECT_EQ(got.frames, (std::vector<Frame>{{StreamKind::kStdout, "line one\n"},
                                            {StreamKind::kStderr, "oops\n"}}));
  EXPECT_EQ(target_of(engine.requests().at(0)),
            "/v1.41/containers/c1/logs?stdout=1&stderr=1&follow=1");
}

TEST(DockerClient, ReusesConnectionsBetweenCalls) {
  FakeEngine engine([](const ServerRequest&, ServerConnection& c) {
    c.write(http_response(200, R"({"Id":"x","State":{"Running":true}})"));
  });
  DockerClient client(engine.path());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.inspect_container("x"));
  EXPECT_EQ(engine.requests().size(), 5u);
  EXPECT_EQ(engine.connections(), 1);
  EXPECT_EQ(target_of(engine.requests().at(0)), "/v1.41/containers/x/json");
}

}  // namespace
}  // namespace gantry::agent::docker
