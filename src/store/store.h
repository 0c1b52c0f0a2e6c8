#pragma once
// The durable store: an ordered key-value map with revisions and batched,
// atomic transactions. It is shaped after etcd's v3 API (a global revision
// bumped by every committed transaction, per-key create and mod revisions,
// compare-then-ops transactions) so that an etcd implementation can replace
// the SQLite one without touching its callers.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gantry::store {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
};

struct Put {
  std::string key;
  std::string value;
};

struct Delete {
  std::string key;
};

// A guard on a transaction: the key's mod_revision must equal the given
// revision (0 means "the key must not exist").
struct Compare {
  std::string key;
  int64_t mod_revision = 0;
};

struct Txn {
  std::vector<Compare> compares;
  std::vector<std::variant<Put, Delete>> ops;
};

struct TxnResult {
  bool succeeded = false;  // false: a compare failed and nothing was written
  int64_t revision = 0;    // the store's revision after the transaction
};

// Called after a transaction commits, with the new revision and its ops.
using WatchCallback =
    std::function<void(int64_t revision, const std::vector<std::variant<Put, Delete>>& ops)>;

class Store {
 public:
  virtual ~Store() = default;

  // The revision of the last committed transaction (0 for an empty store).
  virtual int64_t revision() = 0;

  virtual std::optional<KeyValue> get(const std::string& key) = 0;

  // Every key that starts with `prefix`, in key order, starting after
  // `start_after` when it is not empty, at most `limit` (0: no limit).
  virtual std::vector<KeyValue> range(const std::string& prefix,
                                      const std::string& start_after = {}, size_t limit = 0) = 0;

  // Applies the ops atomically when every compare holds. Returns only after
  // the transaction is durable (it survives a process kill and a power loss).
  // Throws std::runtime_error on an I/O failure, leaving nothing written.
  virtual TxnResult commit(const Txn& txn) = 0;

  // Registers a callback for every later commit touching keys under prefix.
  virtual void watch(const std::string& prefix, WatchCallback callback) = 0;
};

// Opens (creating when missing) the SQLite store at `path`, in WAL mode.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace gantry::store
