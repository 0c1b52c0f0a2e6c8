#include "logs/log_store.h"

#include <spdlog/spdlog.h>

#include "logs/retention_sweep.h"

namespace gantry::logs {

LogStore::LogStore(LogStoreOptions options, const core::Clock& clock, core::TimerSource& timers)
    : options_(std::move(options)),
      clock_(clock),
      database_(options_.path),
      writer_(database_),
      sweep_timer_(timers.make_timer([this] { sweep(); })) {
  sweep();
}

LogStore::~LogStore() { sweep_timer_.reset(); }

void LogStore::put_log_events(PutBatch batch, WriteDone done) {
  auto shared = std::make_shared<const PutBatch>(std::move(batch));
  int64_t cap = options_.max_group_bytes;
  writer_.submit(
      [shared, cap](LogConnection& db) { return logs::put_log_events(db, *shared, cap); },
      std::move(done));
}

void LogStore::sweep() {
  int64_t now = epoch_millis(clock_.now());
  writer_.submit(
      [now](LogConnection& db) {
        sweep_retention(db, now);
        return boost::json::object{};
      },
      [](Answer answer) {
        if (auto* error = std::get_if<core::ApiError>(&answer)) {
          spdlog::warn("log retention sweep failed: {}", error->message());
        }
      });
  sweep_timer_->arm(options_.sweep_interval);
}

}  // namespace gantry::logs
