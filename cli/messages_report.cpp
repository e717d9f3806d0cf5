#include "cli/messages_report.h"

#include <algorithm>
#include <cinttypes>

namespace sipws::cli {
namespace {

std::string cseq_text(const SipMessage& m) {
  if (!m.cseq) return std::string(m.cseq_method);
  return std::to_string(*m.cseq) + " " + std::string(m.cseq_method);
}

}  // namespace

void print_messages(std::FILE* out, OutputFormat format, std::vector<SipMessageRecord>& records) {
  // Capture order: by the frame that completed each message (stable for several per frame).
  std::stable_sort(records.begin(), records.end(),
                   [](const SipMessageRecord& a, const SipMessageRecord& b) { return a.frame < b.frame; });
  if (format == OutputFormat::tsv) {
    std::fputs("frame\ttime\tsrc\tsport\tdst\tdport\ttransport\tmethod\tstatus\tcall_id\tcseq\tfrom_user\tto_user\n", out);
  }
  for (const SipMessageRecord& r : records) {
    const SipMessage& m = r.sip;
    const std::string time = epoch_seconds(r.timestamp, 6);
    const std::string src = r.src.address.to_string();
    const std::string dst = r.dst.address.to_string();
    const std::string method(m.is_request ? m.method : std::string_view{});
    const std::string status = m.is_request ? std::string() : std::to_string(m.status_code);
    const std::string_view transport = transport_name(r.transport);
    switch (format) {
      case OutputFormat::tsv:
        std::fprintf(out, "%" PRIu64 "\t%s\t%s\t%u\t%s\t%u\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.frame,
                     time.c_str(), src.c_str(), r.src.port, dst.c_str(), r.dst.port,
                     std::string(transport).c_str(), tsv_field(method).c_str(), status.c_str(),
                     tsv_field(m.call_id).c_str(), tsv_field(cseq_text(m)).c_str(),
                     tsv_field(m.from.uri.user).c_str(), tsv_field(m.to.uri.user).c_str());
        break;
      case OutputFormat::json: {
        std::string line = "{\"frame\":" + std::to_string(r.frame) + ",\"time\":" + time +
                           ",\"src\":" + json_string(src) + ",\"sport\":" + std::to_string(r.src.port) +
                           ",\"dst\":" + json_string(dst) + ",\"dport\":" + std::to_string(r.dst.port) +
                           ",\"transport\":" + json_string(transport) +
                           ",\"method\":" + json_string(method) + ",\"status\":" + (status.empty() ? "null" : status) +
                           ",\"reason\":" + json_string(m.reason) +
                           ",\"call_id\":" + json_string(m.call_id) + ",\"cseq\":" + json_string(cseq_text(m)) +
                           ",\"from_user\":" + json_string(m.from.uri.user) +
                           ",\"to_user\":" + json_string(m.to.uri.user) +
                           ",\"connection\":" + std::to_string(r.connection) +
                           ",\"bytes\":" + std::to_string(r.bytes.size());
        if (r.transport == SipTransport::ws || r.transport == SipTransport::wss) {
          line += ",\"websocket\":{\"opcode\":" + std::string(r.ws.opcode == 1 ? "\"text\"" : "\"binary\"") +
                  ",\"compressed\":" + (r.ws.compressed ? "true" : "false") +
                  ",\"fragments\":" + std::to_string(r.ws.frames) +
                  ",\"masked\":" + (r.ws.masked ? "true" : "false") +
                  ",\"wire_bytes\":" + std::to_string(r.ws.wire_bytes) +
                  ",\"first_frame\":" + std::to_string(r.ws.first_frame) +
                  ",\"handshake_seen\":" + (r.ws.handshake_seen ? "true" : "false") + "}";
        }
        line += "}\n";
        std::fputs(line.c_str(), out);
        break;
      }
      case OutputFormat::text: {
        const std::string what = m.is_request ? method : status + " " + std::string(m.reason);
        std::fprintf(out, "%6" PRIu64 "  %s  %s -> %s  %-3s  %-24s  %s  %s  %s -> %s\n", r.frame,
                     time.c_str(), r.src.to_string().c_str(), r.dst.to_string().c_str(),
                     std::string(transport).c_str(), tsv_field(what).c_str(),
                     tsv_field(m.call_id).c_str(), tsv_field(cseq_text(m)).c_str(),
                     tsv_field(m.from.uri.user).c_str(), tsv_field(m.to.uri.user).c_str());
        break;
      }
    }
  }
}

}  // namespace sipws::cli
