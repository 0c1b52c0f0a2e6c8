#include "api/logs/logs_handlers.h"

#include <memory>

#include "logs/log_groups.h"
#include "logs/log_ingest.h"
#include "logs/log_reads.h"
#include "logs/log_streams.h"
#include "logs/log_tags.h"
#include "model/schema.h"

namespace gantry::api {

namespace {

using Operation = boost::json::object (*)(logs::LogConnection&, const logs::LogRequest&);

logs::LogRequest log_request(RequestContext& context) {
  return {std::move(context.body), logs::epoch_millis(context.now), context.region,
          context.account_id};
}

// Reads answer from the last commit, on the request's thread.
OperationHandler reader(logs::LogStore& store, Operation operation) {
  return [&store, operation](RequestContext& context, Reply reply) {
    logs::LogRequest request = log_request(context);
    state::Answer answer;
    try {
      answer = store.read([&](logs::LogConnection& db) { return operation(db, request); });
    } catch (const core::ApiError& error) {
      answer = error;
    }
    reply(std::move(answer));
  };
}

// Writes run on the log writer and answer once durable.
OperationHandler writer(logs::LogStore& store, Operation operation) {
  return [&store, operation](RequestContext& context, Reply reply) {
    auto request = std::make_shared<const logs::LogRequest>(log_request(context));
    store.write([request, operation](logs::LogConnection& db) { return operation(db, *request); },
                std::move(reply));
  };
}

// The batch is read and checked here, off the writer's thread.
OperationHandler put_log_events(logs::LogStore& store) {
  return [&store](RequestContext& context, Reply reply) {
    store.put_log_events(logs::prepare_put_log_events(log_request(context)), std::move(reply));
  };
}

}  // namespace

void register_logs_handlers(Router& router, logs::LogStore& store) {
  router.add("CreateLogGroup", writer(store, logs::create_log_group));
  router.add("DeleteLogGroup", writer(store, logs::delete_log_group));
  router.add("DescribeLogGroups", reader(store, logs::describe_log_groups));
  router.add("PutRetentionPolicy", writer(store, logs::put_retention_policy));
  router.add("DeleteRetentionPolicy", writer(store, logs::delete_retention_policy));
  router.add("CreateLogStream", writer(store, logs::create_log_stream));
  router.add("DeleteLogStream", writer(store, logs::delete_log_stream));
  router.add("DescribeLogStreams", reader(store, logs::describe_log_streams));
  router.add("PutLogEvents", put_log_events(store));
  router.add("GetLogEvents", reader(store, logs::get_log_events));
  router.add("FilterLogEvents", reader(store, logs::filter_log_events));
  router.add("TagResource", writer(store, logs::tag_resource));
  router.add("UntagResource", writer(store, logs::untag_resource));
  router.add("ListTagsForResource", reader(store, logs::list_tags_for_resource));
  router.add("TagLogGroup", writer(store, logs::tag_log_group));
  router.add("UntagLogGroup", writer(store, logs::untag_log_group));
  router.add("ListTagsLogGroup", reader(store, logs::list_tags_log_group));
}

Service logs_service(const Router& router) {
  return service_of(model::Schema::logs(), router, kLogsMaxBodyBytes);
}

}  // namespace gantry::api
