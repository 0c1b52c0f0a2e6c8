#pragma once
// A LogStore in a fresh directory on a FakeClock, and calls of the Logs
// operations through it as the API's handlers make them: writes wait for
// the writer's commit (a future, never a sleep), reads run at once.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "core/clock.h"
#include "logs/log_store.h"
#include "store/temp_dir.h"

namespace gantry::logs::test_support {

namespace json = boost::json;
using Operation = json::object (*)(LogConnection&, const LogRequest&);

class LogStoreTest : public ::testing::Test {
 protected:
  LogStoreTest() { open(); }

  void open(int64_t max_group_bytes = 0) {
    store_.reset();
    store_ = std::make_unique<LogStore>(LogStoreOptions{dir_.file("logs.db"), max_group_bytes},
                                        clock_, clock_);
  }

  int64_t now_ms() const { return epoch_millis(clock_.now()); }

  LogRequest request(json::object body) const {
    return {std::move(body), now_ms(), "us-east-1", "123456789012"};
  }

  static Answer wait(std::future<Answer> answer) { return answer.get(); }

  Answer write(Operation operation, json::object body) {
    auto promise = std::make_shared<std::promise<Answer>>();
    auto shared = std::make_shared<const LogRequest>(request(std::move(body)));
    store_->write([operation, shared](LogConnection& db) { return operation(db, *shared); },
                  [promise](Answer answer) { promise->set_value(std::move(answer)); });
    return wait(promise->get_future());
  }

  Answer read(Operation operation, json::object body) {
    try {
      LogRequest r = request(std::move(body));
      return store_->read([&](LogConnection& db) { return operation(db, r); });
    } catch (const core::ApiError& error) {
      return error;
    }
  }

  Answer put(const std::string& group, const std::string& stream, json::array events) {
    json::object body{{"logGroupName", group}, {"logStreamName", stream}, {"logEvents", events}};
    auto promise = std::make_shared<std::promise<Answer>>();
    try {
      store_->put_log_events(prepare_put_log_events(request(body)),
                             [promise](Answer answer) { promise->set_value(std::move(answer)); });
    } catch (const core::ApiError& error) {
      return error;
    }
    return wait(promise->get_future());
  }

  // Waits until everything queued so far (a timer's sweep) is committed.
  void settle() {
    write([](LogConnection&, const LogRequest&) { return json::object{}; }, {});
  }

  static const json::object& ok(const Answer& answer) {
    if (auto* error = std::get_if<core::ApiError>(&answer)) {
      ADD_FAILURE() << error->type() << ": " << error->message();
      static const json::object empty;
      return empty;
    }
    return std::get<json::object>(answer);
  }

  static std::string error_type(const Answer& answer) {
    auto* error = std::get_if<core::ApiError>(&answer);
    return error ? error->type() : "";
  }
  static std::string error_message(const Answer& answer) {
    auto* error = std::get_if<core::ApiError>(&answer);
    return error ? error->message() : "";
  }

  store::test_support::TempDir dir_;
  core::FakeClock clock_{core::SystemTime{std::chrono::milliseconds{1'700'000'000'000}}};
  std::unique_ptr<LogStore> store_;
};

}  // namespace gantry::logs::test_support
