// The webhook sender: its URLs, its back-off, and delivery to a real local
// server, with retries on a FakeClock's timers.
#include "controllers/webhook_sender.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "core/clock.h"
#include "poll_until.h"
#include "webhook_test_server.h"

namespace gantry::controllers {
namespace {

using namespace std::chrono_literals;
using gantry::testing::poll_until;
using testing::WebhookTestServer;

TEST(JobNotifierWebhookUrl, SplitsHostPortAndTarget) {
  auto url = parse_webhook_url("http://hooks.example:9000/gpu/jobs?team=ml");
  EXPECT_EQ(url.url, "http://hooks.example:9000/gpu/jobs?team=ml");
  EXPECT_EQ(url.host, "hooks.example");
  EXPECT_EQ(url.port, "9000");
  EXPECT_EQ(url.target, "/gpu/jobs?team=ml");

  auto bare = parse_webhook_url("http://10.0.0.7");
  EXPECT_EQ(bare.host, "10.0.0.7");
  EXPECT_EQ(bare.port, "80");
  EXPECT_EQ(bare.target, "/");

  auto v6 = parse_webhook_url("http://[::1]:8080/x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "8080");
}

TEST(JobNotifierWebhookUrl, RefusesHttpsAndMalformedUrlsNamingThem) {
  for (std::string bad : {"https://hooks.example/x", "ftp://hooks.example/x", "hooks.example:80",
                          "http://", "http://host:port/x", "http://host:99999/x", "http://host:0/x",
                          "http://user:pw@host/x", "not a url"}) {
    try {
      parse_webhook_url(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(bad), std::string::npos) << error.what();
    }
  }
  try {
    parse_webhook_url("https://hooks.example/x");
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("https"), std::string::npos);
  }
}

TEST(JobNotifierBackoff, DoublesFromOneSecondToAMinute) {
  WebhookOptions options;
  std::vector<std::chrono::milliseconds> waits;
  for (int failures = 1; failures <= 9; ++failures) {
    waits.push_back(webhook_backoff(options, failures));
  }
  EXPECT_EQ(waits,
            (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s}));
  EXPECT_EQ(options.max_attempts, 8);
  EXPECT_EQ(webhook_backoff(options, 1000), 60s);  // no overflow
}

class JobNotifierDelivery : public ::testing::Test {
 protected:
  // Waits until the sender has armed its retry, then lets it fall due.
  bool retry(int failures) {
    if (!poll_until([&] { return clock_.armed_timers() == 1; })) return false;
    clock_.advance(webhook_backoff(options_, failures));
    return true;
  }

  static std::vector<std::string> bodies(const WebhookTestServer& server) {
    std::vector<std::string> out;
    for (const auto& r : server.received()) out.push_back(r.body);
    return out;
  }

  core::FakeClock clock_;  // before the senders: it outlives their timers
  WebhookOptions options_;
};

TEST_F(JobNotifierDelivery, PostsJsonInOrder) {
  WebhookTestServer server;
  WebhookSender sender(parse_webhook_url(server.url("/hook?x=1")), clock_, options_);
  for (int i = 1; i <= 3; ++i) sender.enqueue({"m" + std::to_string(i), std::to_string(i)});
  ASSERT_TRUE(server.wait_for(3));
  auto received = server.received();
  ASSERT_EQ(received.size(), 3u);
  for (const auto& r : received) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hook?x=1");
    EXPECT_EQ(r.content_type, "application/json");
  }
  EXPECT_EQ(bodies(server), (std::vector<std::string>{"1", "2", "3"}));
  ASSERT_TRUE(poll_until([&] { return sender.stats().delivered == 3; }));
  EXPECT_EQ(sender.stats().attempts, 3u);
  EXPECT_EQ(clock_.armed_timers(), 0u);
}

TEST_F(JobNotifierDelivery, RetriesA500AndDeliversOnce) {
  WebhookTestServer server([](size_t n) -> std::optional<unsigned> { return n == 0 ? 500 : 200; });
  WebhookSender sender(parse_webhook_url(server.url()), clock_, options_);
  sender.enqueue({"first", "1"});
  ASSERT_TRUE(server.wait_for(1));
  ASSERT_TRUE(retry(1));
  ASSERT_TRUE(server.wait_for(2));
  ASSERT_TRUE(poll_until([&] { return sender.stats().delivered == 1; }));
  // The next message comes next: the delivered one is not sent again.
  sender.enqueue({"second", "2"});
  ASSERT_TRUE(server.wait_for(3));
  EXPECT_EQ(bodies(server), (std::vector<std::string>{"1", "1", "2"}));
  ASSERT_TRUE(poll_until([&] { return sender.stats().delivered == 2; }));
  EXPECT_EQ(sender.stats().attempts, 3u);
  EXPECT_EQ(sender.stats().dropped, 0u);
}

TEST_F(JobNotifierDelivery, DropsAMessageAfterItsLastAttemptAndGoesOn) {
  options_.max_attempts = 3;
  WebhookTestServer server([](size_t n) -> std::optional<unsigned> { return n < 3 ? 503 : 200; });
  WebhookSender sender(parse_webhook_url(server.url()), clock_, options_);
  sender.enqueue({"a", "a"});
  sender.enqueue({"b", "b"});
  for (int failures = 1; failures < 3; ++failures) {
    ASSERT_TRUE(server.wait_for(failures));
    ASSERT_TRUE(retry(failures));
  }
  ASSERT_TRUE(server.wait_for(4));
  EXPECT_EQ(bodies(server), (std::vector<std::string>{"a", "a", "a", "b"}));
  ASSERT_TRUE(poll_until([&] { return sender.stats().delivered == 1; }));
  EXPECT_EQ(sender.stats().dropped, 1u);
}

TEST_F(JobNotifierDelivery, OneUrlDownDoesNotHoldTheOther) {
  // A port nobody listens on: bound, then let go.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto free_port = probe.local_endpoint().port();
  probe.close();

  WebhookTestServer up;
  WebhookSender down(parse_webhook_url("http://127.0.0.1:" + std::to_string(free_port) + "/x"),
                     clock_, options_);
  WebhookSender live(parse_webhook_url(up.url()), clock_, options_);
  for (int i = 1; i <= 3; ++i) {
    down.enqueue({"m", std::to_string(i)});
    live.enqueue({"m", std::to_string(i)});
  }
  ASSERT_TRUE(up.wait_for(3));
  EXPECT_EQ(bodies(up), (std::vector<std::string>{"1", "2", "3"}));
  ASSERT_TRUE(poll_until([&] { return down.stats().attempts >= 1 && clock_.armed_timers() == 1; }));
  EXPECT_EQ(down.stats().delivered, 0u);
}

TEST_F(JobNotifierDelivery, AFullQueueDropsItsOldest) {
  options_.max_queued = 2;
  WebhookTestServer server([](size_t n) -> std::optional<unsigned> {
    if (n == 0) return std::nullopt;  // held: the first stays in flight
    return 200;
  });
  WebhookSender sender(parse_webhook_url(server.url()), clock_, options_);
  sender.enqueue({"m1", "1"});
  ASSERT_TRUE(server.wait_for(1));
  for (int i = 2; i <= 4; ++i) sender.enqueue({"m" + std::to_string(i), std::to_string(i)});
  EXPECT_EQ(sender.stats().dropped, 1u);
  server.release();
  ASSERT_TRUE(server.wait_for(3));
  EXPECT_EQ(bodies(server), (std::vector<std::string>{"1", "3", "4"}));
}

TEST_F(JobNotifierDelivery, StopInterruptsAnAttemptInFlight) {
  WebhookTestServer server([](size_t) -> std::optional<unsigned> { return std::nullopt; });
  WebhookSender sender(parse_webhook_url(server.url()), clock_, options_);
  sender.enqueue({"m1", "1"});
  ASSERT_TRUE(server.wait_for(1));
  sender.stop();  // returns although the server never answers
  EXPECT_EQ(sender.stats().delivered, 0u);
  sender.enqueue({"m2", "2"});  // ignored once stopped
  EXPECT_EQ(server.received().size(), 1u);
}

}  // namespace
}  // namespace gantry::controllers
