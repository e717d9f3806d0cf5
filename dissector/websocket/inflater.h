#pragma once
// permessage-deflate decompression (RFC 7692 §7.2.2) for one direction of one connection: a raw
// inflate context kept across messages (context takeover) or reset after each one (no context
// takeover), with the output of every message capped so a deflate bomb cannot exhaust memory.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/bytes.h"

namespace sipws {

// zlib contexts kept across messages (about 44 KiB each: zlib's state and its 32 KiB window),
// counted over every connection of a dissector so that a capture of many compressed connections
// cannot take memory without bound. Directions without context takeover hold none: they share
// one context per thread.
struct InflateBudget {
  std::size_t held = 0;
  std::size_t limit = 4096;
};

class Inflater {
 public:
  // `budget` limits the contexts kept across messages; none (nullptr) means no limit.
  enum class Result { ok, error, limit, no_context };

  explicit Inflater(bool reset_after_each_message, InflateBudget* budget = nullptr);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates one message's compressed payload (the 00 00 ff ff tail is added here) and appends
  // the result to `out`, never more than `max_output` bytes. no_context: the budget had no room
  // for this direction's context when its first message came; nothing was inflated, now or
  // later.
  Result inflate_message(ByteView compressed, std::vector<std::uint8_t>& out,
                         std::size_t max_output);
  const std::string& error() const { return error_; }
  // Whether the budget refused this direction a context (then every message is no_context).
  bool refused() const { return refused_; }

  struct Stream;

 private:
  std::unique_ptr<Stream> stream_;  // only with context takeover
  bool reset_each_;
  bool refused_ = false;  // the budget had no room when this direction first needed a context
  InflateBudget* budget_;
  std::string error_;
};

}  // namespace sipws
