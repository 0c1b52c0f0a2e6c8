#pragma once
// A thin RAII owner of a prepared sqlite3_stmt. Statements are prepared once
// and reused; a Statement::Run resets the statement when it leaves scope, so
// that a half-read SELECT never keeps a read transaction (and with it the WAL)
// pinned open.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gantry::store {

[[noreturn]] inline void throw_sqlite_error(sqlite3* db, std::string_view context) {
  std::string message = "sqlite: ";
  message += context;
  message += ": ";
  message += sqlite3_errmsg(db);
  message += " (code " + std::to_string(sqlite3_extended_errcode(db)) + ")";
  throw std::runtime_error(message);
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &raw, nullptr) != SQLITE_OK) {
      throw_sqlite_error(db, "prepare \"" + std::string(sql) + "\"");
    }
    stmt_.reset(raw);
  }

  // One execution of the statement: binds, steps, reads columns, and resets
  // the statement (clearing its bindings) when destroyed.
  class Run {
   public:
    explicit Run(Statement& statement) : statement_(statement) {}
    ~Run() {
      sqlite3_reset(raw());
      sqlite3_clear_bindings(raw());
    }
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // The text is bound without a copy: it must outlive the Run.
    Run& bind_text(int index, std::string_view text) {
      check(sqlite3_bind_text(raw(), index, text.data(), static_cast<int>(text.size()),
                              SQLITE_STATIC));
      return *this;
    }
    Run& bind_blob(int index, std::string_view blob) {
      // A null pointer would bind NULL rather than an empty blob.
      const char* data = blob.empty() ? "" : blob.data();
      check(sqlite3_bind_blob(raw(), index, data, static_cast<int>(blob.size()), SQLITE_STATIC));
      return *this;
    }
    Run& bind_int64(int index, int64_t value) {
      check(sqlite3_bind_int64(raw(), index, value));
      return *this;
    }

    // Advances to the next row: true when there is one, false when done.
    bool step() {
      int rc = sqlite3_step(raw());
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      throw_sqlite_error(statement_.db_, sqlite3_sql(raw()));
    }

    // Runs a statement that returns no row of interest.
    void execute() {
      while (step()) {
      }
    }

    int64_t column_int64(int column) { return sqlite3_column_int64(raw(), column); }
    std::string column_text(int column) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw(), column));
      int size = sqlite3_column_bytes(raw(), column);
      return text == nullptr ? std::string() : std::string(text, static_cast<size_t>(size));
    }
    std::string column_blob(int column) {
      const auto* blob = static_cast<const char*>(sqlite3_column_blob(raw(), column));
      int size = sqlite3_column_bytes(raw(), column);
      return blob == nullptr ? std::string() : std::string(blob, static_cast<size_t>(size));
    }

   private:
    sqlite3_stmt* raw() { return statement_.stmt_.get(); }
    void check(int rc) {
      if (rc != SQLITE_OK) throw_sqlite_error(statement_.db_, "bind");
    }

    Statement& statement_;
  };

  Run run() { return Run(*this); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

}  // namespace gantry::store
