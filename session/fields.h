#pragma once
// A field's value as every output writes it: typed, so that each format (TSV, JSON, text) and
// each front end (sorting, alignment) treats it the same way. The tables of fields of calls,
// messages and connections are built on it (session/*_fields.h).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capture/raw_packet.h"
#include "session/output_format.h"

namespace sipws {

// A field's value, typed: what it is decides how each format writes it and how it sorts.
struct FieldValue {
  enum class Kind {
    text,      // text
    count,     // number
    status,    // number, absent when 0 (no final response)
    epoch,     // time (epoch ns)
    duration,  // time (ns), absent when unknown
    list,      // list
    flag,      // yes/no in TSV and text, a boolean in JSON
    real,      // a measured quantity (`real`, `decimals` digits), absent when unknown
  };
  Kind kind = Kind::text;
  // Not applicable to this row (a UDP flow's TCP handshake): empty in TSV and text, left out
  // of JSON. (Unknown values of status and duration are written as null instead.)
  bool omitted = false;
  int decimals = 6;  // epoch and duration: digits after the point
  std::string text;
  std::uint64_t number = 0;
  std::optional<TimeNs> time;
  std::optional<double> real;
  std::vector<std::string> list;
};

// Values of each kind, for the tables' value functions.
FieldValue text_value(std::string text, bool omitted = false);
FieldValue count_value(std::uint64_t number);
FieldValue time_value(std::optional<TimeNs> time, FieldValue::Kind kind, int decimals = 6);
FieldValue list_value(std::vector<std::string> items);

// How each format writes a value.
std::string field_tsv(const FieldValue& value);
void field_json(JsonObject& object, std::string_view key, const FieldValue& value);
// Free text for display: times as epoch seconds (6 decimals), durations in seconds, lists
// joined with ','.
std::string field_text(const FieldValue& value);
// What sorts a column: numbers and times by value (absent first), text by text.
struct FieldSortKey {
  bool numeric = false;
  std::int64_t number = 0;
  std::string text;
};
FieldSortKey field_sort_key(const FieldValue& value);

// Seconds of a duration with `decimals` digits ("%.6f"), or "" when unknown.
std::string duration_seconds(const std::optional<TimeNs>& ns, int decimals = 6);

// Right-aligned in tables: numbers and times.
bool field_is_numeric(const FieldValue& value);

// A whole table of fields (each spec with tsv_column, json_key and value(row)) written as one
// TSV header, one TSV line or one JSON line: every field, in the table's order.
template <class Spec>
std::string table_tsv_header(std::span<const Spec> specs) {
  std::string out;
  for (const Spec& f : specs) {
    if (&f != &specs.front()) out += '\t';
    out += f.tsv_column;
  }
  return out + '\n';
}
template <class Spec, class Row>
std::string table_tsv_line(std::span<const Spec> specs, const Row& row) {
  std::string out;
  for (const Spec& f : specs) {
    if (&f != &specs.front()) out += '\t';
    out += field_tsv(f.value(row));
  }
  return out + '\n';
}
template <class Spec, class Row>
std::string table_json_line(std::span<const Spec> specs, const Row& row) {
  JsonObject line;
  for (const Spec& f : specs) field_json(line, f.json_key, f.value(row));
  return line.take_line();
}

}  // namespace sipws
