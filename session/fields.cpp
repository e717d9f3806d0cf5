#include "session/fields.h"

#include <cstdio>

namespace sipws {
namespace {

using K = FieldValue::Kind;

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += separator;
    out += i;
  }
  return out;
}

std::string real_text(const std::optional<double>& value, int decimals) {
  if (!value) return {};
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, *value);
  return text;
}

}  // namespace

FieldValue text_value(std::string text, bool omitted) {
  FieldValue v;
  v.text = std::move(text);
  v.omitted = omitted;
  return v;
}
FieldValue count_value(std::uint64_t number) {
  FieldValue v;
  v.kind = K::count;
  v.number = number;
  return v;
}
FieldValue time_value(std::optional<TimeNs> time, FieldValue::Kind kind, int decimals) {
  FieldValue v;
  v.kind = kind;
  v.time = time;
  v.decimals = decimals;
  return v;
}
FieldValue list_value(std::vector<std::string> items) {
  FieldValue v;
  v.kind = K::list;
  v.list = std::move(items);
  return v;
}

std::string duration_seconds(const std::optional<TimeNs>& ns, int decimals) {
  if (!ns) return {};
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, static_cast<double>(*ns) / 1e9);
  return text;
}

std::string field_tsv(const FieldValue& v) {
  if (v.omitted) return {};
  switch (v.kind) {
    case K::text:
      return tsv_field(v.text);
    case K::count:
      return std::to_string(v.number);
    case K::status:
      return v.number == 0 ? std::string() : std::to_string(v.number);
    case K::epoch:
      return epoch_seconds(v.time.value_or(0), v.decimals);
    case K::duration:
      return duration_seconds(v.time, v.decimals);
    case K::list:
      return join(v.list, ',');
    case K::flag:
      return v.number != 0 ? "yes" : "no";
    case K::real:
      return real_text(v.real, v.decimals);
  }
  return {};
}

void field_json(JsonObject& o, std::string_view key, const FieldValue& v) {
  if (v.omitted) return;
  switch (v.kind) {
    case K::text:
      o.string(key, v.text);
      return;
    case K::count:
      o.number(key, v.number);
      return;
    case K::status:
      o.number_or_null(key, v.number != 0, v.number);
      return;
    case K::epoch:
      o.seconds(key, v.time.value_or(0), v.decimals);
      return;
    case K::duration:
      o.formatted_number(key, duration_seconds(v.time, v.decimals));
      return;
    case K::list:
      o.strings(key, v.list);
      return;
    case K::flag:
      o.boolean(key, v.number != 0);
      return;
    case K::real:
      o.formatted_number(key, real_text(v.real, v.decimals));
      return;
  }
}

std::string field_text(const FieldValue& v) {
  if (v.omitted) return {};
  switch (v.kind) {
    case K::text:
      return v.text;
    case K::list:
      return join(v.list, ',');
    default:
      return field_tsv(v);
  }
}

FieldSortKey field_sort_key(const FieldValue& v) {
  FieldSortKey key;
  switch (v.kind) {
    case K::text:
    case K::list:
      key.text = field_text(v);
      return key;
    case K::count:
    case K::status:
    case K::flag:
      key.numeric = true;
      key.number = static_cast<std::int64_t>(v.number);
      return key;
    case K::epoch:
    case K::duration:
      key.numeric = true;
      key.number = v.time.value_or(-1);
      return key;
    case K::real:
      key.numeric = true;
      key.number = v.real ? static_cast<std::int64_t>(*v.real * 1e6) : -1;
      return key;
  }
  return key;
}

bool field_is_numeric(const FieldValue& value) {
  return value.kind != K::text && value.kind != K::list;
}

}  // namespace sipws
