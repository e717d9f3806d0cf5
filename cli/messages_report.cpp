#include "cli/messages_report.h"

#include <algorithm>
#include <cinttypes>
#include <string>

namespace sipws::cli {
namespace {

std::string cseq_text(const SipMessage& m) {
  if (!m.cseq) return std::string(m.cseq_method);
  return std::to_string(*m.cseq) + " " + std::string(m.cseq_method);
}

}  // namespace

std::string message_header(OutputFormat format) {
  if (format != OutputFormat::tsv) return {};
  return "frame\ttime\tsrc\tsport\tdst\tdport\ttransport\tmethod\tstatus\tcall_id\tcseq\tfrom_"
         "user\tto_user\n";
}

std::string message_line(OutputFormat format, const SipMessageRecord& r) {
  const SipMessage& m = r.sip;
  const std::string time = epoch_seconds(r.timestamp, 6);
  const std::string src = r.src.address.to_string();
  const std::string dst = r.dst.address.to_string();
  const std::string method(m.is_request ? m.method : std::string_view{});
  const std::string status = m.is_request ? std::string() : std::to_string(m.status_code);
  const std::string transport(transport_name(r.transport));
  switch (format) {
    case OutputFormat::tsv:
      return std::to_string(r.frame) + '\t' + time + '\t' + src + '\t' +
             std::to_string(r.src.port) + '\t' + dst + '\t' + std::to_string(r.dst.port) + '\t' +
             transport + '\t' + tsv_field(method) + '\t' + status + '\t' + tsv_field(m.call_id) +
             '\t' + tsv_field(cseq_text(m)) + '\t' + tsv_field(m.from.uri.user) + '\t' +
             tsv_field(m.to.uri.user) + '\n';
    case OutputFormat::json: {
      std::string line =
          "{\"frame\":" + std::to_string(r.frame) + ",\"time\":" + time +
          ",\"src\":" + json_string(src) + ",\"sport\":" + std::to_string(r.src.port) +
          ",\"dst\":" + json_string(dst) + ",\"dport\":" + std::to_string(r.dst.port) +
          ",\"transport\":" + json_string(transport) + ",\"method\":" + json_string(method) +
          ",\"status\":" + (status.empty() ? "null" : status) +
          ",\"reason\":" + json_string(m.reason) + ",\"call_id\":" + json_string(m.call_id) +
          ",\"cseq\":" + json_string(cseq_text(m)) +
          ",\"from_user\":" + json_string(m.from.uri.user) +
          ",\"to_user\":" + json_string(m.to.uri.user) +
          ",\"connection\":" + std::to_string(r.connection) +
          ",\"bytes\":" + std::to_string(r.bytes.size());
      if (r.transport == SipTransport::ws || r.transport == SipTransport::wss) {
        line += ",\"websocket\":{\"opcode\":" +
                std::string(r.ws.opcode == 1 ? "\"text\"" : "\"binary\"") +
                ",\"compressed\":" + (r.ws.compressed ? "true" : "false") +
                ",\"fragments\":" + std::to_string(r.ws.frames) +
                ",\"masked\":" + (r.ws.masked ? "true" : "false") +
                ",\"wire_bytes\":" + std::to_string(r.ws.wire_bytes) +
                ",\"first_frame\":" + std::to_string(r.ws.first_frame) +
                ",\"handshake_seen\":" + (r.ws.handshake_seen ? "true" : "false") + "}";
      }
      return line + "}\n";
    }
    case OutputFormat::text: {
      const std::string what = m.is_request ? method : status + " " + std::string(m.reason);
      char head[160];
      std::snprintf(head, sizeof head, "%6" PRIu64 "  %s  ", r.frame, time.c_str());
      char what_col[64];
      std::snprintf(what_col, sizeof what_col, "%-3s  %-24s", transport.c_str(),
                    tsv_field(what).c_str());
      return std::string(head) + r.src.to_string() + " -> " + r.dst.to_string() + "  " + what_col +
             "  " + tsv_field(m.call_id) + "  " + tsv_field(cseq_text(m)) + "  " +
             tsv_field(m.from.uri.user) + " -> " + tsv_field(m.to.uri.user) + "\n";
    }
  }
  return {};
}

void MessagePrinter::on_sip_message(SipMessageRecord&& record) {
  lines_.push_back({record.frame, record.index, message_line(format_, record)});
}

void MessagePrinter::print(std::FILE* out) {
  // Capture order: by the frame that completed each message (stable for several per frame).
  std::stable_sort(lines_.begin(), lines_.end(),
                   [](const Line& a, const Line& b) { return a.frame < b.frame; });
  std::fputs(message_header(format_).c_str(), out);
  for (const Line& l : lines_) std::fputs(l.text.c_str(), out);
}

}  // namespace sipws::cli
