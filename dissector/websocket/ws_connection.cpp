#include "dissector/websocket/ws_connection.h"

namespace sipws {

WsConnectionSummary* WsConnectionLedger::open(const TcpConnectionInfo& info, bool over_tls) {
  if (observer_ == nullptr) return nullptr;
  auto [it, added] = open_.try_emplace(info.index);
  WsConnectionSummary& s = it->second;
  if (added) {
    s.connection = info.index;
    s.client = info.client;
    s.server = info.server;
    s.start = info.first_seen;
    s.first_frame = info.first_frame;
  }
  s.over_tls = s.over_tls || over_tls;
  return &s;
}

void WsConnectionLedger::on_tcp_end(const TcpConnectionSummary& tcp) {
  if (open_.empty()) return;
  const auto it = open_.find(tcp.info.index);
  if (it == open_.end()) return;
  WsConnectionSummary& s = it->second;
  s.end = tcp.last_seen;
  s.last_frame = tcp.last_frame;
  s.tcp_end = tcp.reason;
  if (observer_ != nullptr) observer_->on_websocket_connection(s);
  open_.erase(it);
}

}  // namespace sipws
