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

class Inflater {
 public:
  enum class Result { ok, error, limit };

  explicit Inflater(bool reset_after_each_message);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates one message's compressed payload (the 00 00 ff ff tail is added here) and appends
  // the result to `out`, never more than `max_output` bytes.
  Result inflate_message(ByteView compressed, std::vector<std::uint8_t>& out,
                         std::size_t max_output);
  const std::string& error() const { return error_; }

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  bool reset_each_;
  std::string error_;
};

}  // namespace sipws
