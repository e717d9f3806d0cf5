#include "dissector/sip/sip_message.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "dissector/text.h"

namespace sipws {
namespace {

struct CompactForm {
  char letter;
  std::string_view name;
};
// RFC 3261 §7.3.3 and later extensions.
constexpr std::array kCompactForms = {
    CompactForm{'a', "Accept-Contact"},
    CompactForm{'b', "Referred-By"},
    CompactForm{'c', "Content-Type"},
    CompactForm{'d', "Request-Disposition"},
    CompactForm{'e', "Content-Encoding"},
    CompactForm{'f', "From"},
    CompactForm{'i', "Call-ID"},
    CompactForm{'j', "Reject-Contact"},
    CompactForm{'k', "Supported"},
    CompactForm{'l', "Content-Length"},
    CompactForm{'m', "Contact"},
    CompactForm{'n', "Identity-Info"},
    CompactForm{'o', "Event"},
    CompactForm{'r', "Refer-To"},
    CompactForm{'s', "Subject"},
    CompactForm{'t', "To"},
    CompactForm{'u', "Allow-Events"},
    CompactForm{'v', "Via"},
    CompactForm{'x', "Session-Expires"},
    CompactForm{'y', "Identity"},
};

std::string_view canonical_name(std::string_view name) {
  if (name.size() == 1) {
    const char c = ascii_lower(name[0]);
    for (const auto& f : kCompactForms) {
      if (f.letter == c) return f.name;
    }
  }
  return name;
}

// Splits a header value into comma-separated elements, ignoring commas inside quotes and <>.
// Calls fn(item) for each comma-separated item of a header value, commas inside quotes and
// angle brackets excepted (RFC 3261 §7.3.1). Most values hold one item: they are not scanned.
template <class Fn>
void for_each_list_item(std::string_view value, Fn&& fn) {
  if (value.find(',') == std::string_view::npos) {
    const auto item = trim(value);
    if (!item.empty()) fn(item);
    return;
  }
  bool quoted = false;
  int angle = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
      continue;
    }
    if (c == '"')
      quoted = true;
    else if (c == '<')
      ++angle;
    else if (c == '>' && angle > 0)
      --angle;
    else if (c == ',' && angle == 0) {
      const auto item = trim(value.substr(start, i - start));
      if (!item.empty()) fn(item);
      start = i + 1;
    }
  }
  const auto item = trim(value.substr(std::min(start, value.size())));
  if (!item.empty()) fn(item);
}

// The value of parameter `name` in ";a=b;c=d" style text, or empty.
std::string_view param_value(std::string_view params, std::string_view name) {
  while (!params.empty()) {
    std::string_view rest;
    const std::string_view p = trim(split_first(params, ';', rest, true));
    params = rest;
    std::string_view value;
    const std::string_view key = trim(split_first(p, '=', value));
    if (iequals(key, name)) return trim(value);
  }
  return {};
}

std::size_t find_unquoted(std::string_view text, char wanted) {
  // Most values have no quote before the wanted character: two memchr calls settle them.
  const std::size_t at = text.find(wanted);
  if (text.substr(0, at).find('"') == std::string_view::npos) return at;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == wanted) {
      return i;
    }
  }
  return std::string_view::npos;
}

// RFC 3261 §25.1: an unquoted display name is tokens separated by LWS.
bool valid_unquoted_display(std::string_view display) {
  for (char c : display) {
    if (!is_token_char(c) && !is_space(c)) return false;
  }
  return true;
}

bool valid_port(std::string_view port) {
  const auto value = parse_decimal(port);
  return value && *value <= 65535;
}

constexpr std::array<bool, 256> host_chars() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.';
  }
  return table;
}
constexpr std::array<bool, 256> kHostChars = host_chars();

// Host of a sip/sips URI: a host name, an IPv4 address or a bracketed IPv6 reference.
bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    const std::string address(host.substr(1, host.size() - 2));
    unsigned char buffer[16];
    return inet_pton(AF_INET6, address.c_str(), buffer) == 1;
  }
  for (char c : host) {
    if (!kHostChars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// Checks the parts of a sip: or sips: URI that the grammar pins down; other schemes are opaque.
bool valid_sip_uri(const SipUri& uri) {
  if (!iequals(uri.scheme, "sip") && !iequals(uri.scheme, "sips")) return !uri.scheme.empty();
  if (!valid_host(uri.host)) return false;
  if (!uri.port.empty() && !valid_port(uri.port)) return false;
  return !contains_space(uri.text);
}

bool parse_name_addr(std::string_view value, SipNameAddr& out) {
  value = trim(value);
  std::string_view uri_text;
  std::string_view after;
  const std::size_t lt = find_unquoted(value, '<');
  if (lt != std::string_view::npos) {
    std::string_view display = trim(value.substr(0, lt));
    if (!display.empty() && display.front() == '"') {
      if (display.size() < 2 || display.back() != '"') return false;  // unbalanced quote
      display = display.substr(1, display.size() - 2);
    } else if (!valid_unquoted_display(display)) {
      return false;
    }
    out.display = display;
    const std::size_t gt = value.find('>', lt);
    if (gt == std::string_view::npos) return false;
    uri_text = value.substr(lt + 1, gt - lt - 1);
    after = value.substr(gt + 1);
    if (uri_text.empty() || is_space(uri_text.front()) || is_space(uri_text.back())) return false;
  } else {
    if (!value.empty() && value.front() == '"') return false;  // a quoted display needs a <URI>
    // addr-spec: header parameters start at the first ';' (RFC 3261 §20.10); a URI with '?' or
    // ',' must be in angle brackets.
    const std::size_t semi = value.find(';');
    uri_text = trim(value.substr(0, semi));
    after = semi == std::string_view::npos ? std::string_view{} : value.substr(semi);
    if (uri_text.find_first_of("?,") != std::string_view::npos) return false;
  }
  out.uri = parse_sip_uri(uri_text);
  after = trim(after);
  if (!after.empty() && after.front() == ';') after.remove_prefix(1);
  out.params = after;
  out.tag = param_value(after, "tag");
  return !out.uri.text.empty() && valid_sip_uri(out.uri);
}

bool parse_via(std::string_view value, SipVia& via) {
  std::string_view params;
  const std::string_view head = trim(split_first(value, ';', params, true));
  // "SIP / 2.0 / UDP host:port" with optional LWS around the slashes.
  std::size_t slashes = 0;
  std::size_t i = 0;
  for (; i < head.size(); ++i) {
    if (head[i] == '/') ++slashes;
    if (slashes == 2) break;
  }
  if (slashes != 2) return false;
  std::size_t t = i + 1;
  while (t < head.size() && is_space(head[t])) ++t;
  std::size_t t_end = t;
  while (t_end < head.size() && !is_space(head[t_end])) ++t_end;
  via.transport = head.substr(t, t_end - t);
  via.protocol = head.substr(0, t_end);
  via.sent_by = trim(head.substr(t_end));
  // One pass over the parameters: the first branch, received and rport, and whether any is
  // empty (";;" is a syntax error, RFC 4475 §3.1.2.1).
  bool empty_param = false;
  bool have_branch = false;
  bool have_received = false;
  bool have_rport = false;
  while (!params.empty()) {
    std::string_view rest;
    const std::string_view p = trim(split_first(params, ';', rest, true));
    params = rest;
    if (p.empty()) {
      empty_param = true;
      continue;
    }
    std::string_view param_value;
    const std::string_view key = trim(split_first(p, '=', param_value));
    if (!have_branch && iequals(key, "branch")) {
      have_branch = true;
      via.branch = trim(param_value);
    } else if (!have_received && iequals(key, "received")) {
      have_received = true;
      via.received = trim(param_value);
    } else if (!have_rport && iequals(key, "rport")) {
      have_rport = true;
      via.rport = trim(param_value);
    }
  }
  return !via.transport.empty() && !via.sent_by.empty() && !empty_param;
}

bool is_valid_request_uri(std::string_view text) {
  if (text.empty() || text.front() == '<') return false;
  const SipUri uri = parse_sip_uri(text);
  if (uri.scheme.empty() || !valid_sip_uri(uri)) return false;
  // Headers are not allowed in a SIP Request-URI (RFC 3261 §19.1.1).
  const bool sip = iequals(uri.scheme, "sip") || iequals(uri.scheme, "sips");
  const std::size_t host_at = static_cast<std::size_t>(uri.host.data() - text.data());
  return !(sip && text.find('?', host_at) != std::string_view::npos);
}

// The header fields the parse looks into, told apart by length first (one comparison, instead
// of a comparison with every name for every field).
enum class KnownHeader {
  none,
  call_id,
  cseq,
  from,
  to,
  via,
  contact,
  date,
  record_route,
  route,
  max_forwards,
  content_type,
  content_length,
  user_agent,
};
// `name` (a token: checked before) equals `lower`, a lower-case literal, ignoring case. Setting
// bit 0x20 folds an upper-case letter and leaves every other token character apart from the
// letters, so one OR per character does what ascii_lower on both sides did.
bool token_equals_lower(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (static_cast<char>(name[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

KnownHeader known_header(std::string_view name) {
  switch (name.size()) {
    case 2:
      if (token_equals_lower(name, "to")) return KnownHeader::to;
      break;
    case 3:
      if (token_equals_lower(name, "via")) return KnownHeader::via;
      break;
    case 4:
      if (token_equals_lower(name, "cseq")) return KnownHeader::cseq;
      if (token_equals_lower(name, "from")) return KnownHeader::from;
      if (token_equals_lower(name, "date")) return KnownHeader::date;
      break;
    case 5:
      if (token_equals_lower(name, "route")) return KnownHeader::route;
      break;
    case 7:
      if (token_equals_lower(name, "call-id")) return KnownHeader::call_id;
      if (token_equals_lower(name, "contact")) return KnownHeader::contact;
      break;
    case 10:
      if (token_equals_lower(name, "user-agent")) return KnownHeader::user_agent;
      break;
    case 12:
      if (token_equals_lower(name, "record-route")) return KnownHeader::record_route;
      if (token_equals_lower(name, "max-forwards")) return KnownHeader::max_forwards;
      if (token_equals_lower(name, "content-type")) return KnownHeader::content_type;
      break;
    case 14:
      if (token_equals_lower(name, "content-length")) return KnownHeader::content_length;
      break;
    default:
      break;
  }
  return KnownHeader::none;
}

// RFC 3261 §20.17: rfc1123-date, always in GMT.
bool valid_date(std::string_view date) {
  date = trim(date);
  return date.size() >= 29 && date.substr(date.size() - 4) == " GMT" && date[3] == ',';
}

}  // namespace

SipUri parse_sip_uri(std::string_view text) {
  SipUri u;
  u.text = text;
  std::string_view rest;
  u.scheme = split_first(text, ':', rest);
  if (rest.data() == nullptr) {
    u.scheme = {};
    return u;
  }
  // user@host:port;params?headers
  std::string_view hostpart = rest;
  // The user part may hold ';', '?', ',' and more, but '@' appears unescaped nowhere after it
  // (not in parameters, not in headers): the last '@' ends the user part.
  // memrchr: string_view::rfind walks back one character at a time.
  const void* last_at = rest.empty() ? nullptr : memrchr(rest.data(), '@', rest.size());
  const std::size_t at =
      last_at == nullptr
          ? std::string_view::npos
          : static_cast<std::size_t>(static_cast<const char*>(last_at) - rest.data());
  if (at != std::string_view::npos) {
    std::string_view password;
    u.user = split_first(rest.substr(0, at), ':', password);
    hostpart = rest.substr(at + 1);
  }
  std::string_view params;
  std::string_view hostport = split_first(hostpart, ';', params);
  if (params.data() != nullptr) u.params = params;
  std::string_view headers;
  hostport = split_first(hostport, '?', headers);
  if (!hostport.empty() && hostport.front() == '[') {
    const std::size_t close = hostport.find(']');
    if (close != std::string_view::npos) {
      u.host = hostport.substr(0, close + 1);
      if (close + 1 < hostport.size() && hostport[close + 1] == ':')
        u.port = hostport.substr(close + 2);
      return u;
    }
  }
  std::string_view port;
  u.host = split_first(hostport, ':', port);
  u.port = port;
  return u;
}

std::string_view SipMessage::header(std::string_view name) const {
  const std::string_view wanted = canonical_name(name);
  for (const auto& h : headers) {
    if (iequals(h.canonical, wanted)) return h.value;
  }
  return {};
}

std::vector<std::string_view> SipMessage::header_values(std::string_view name) const {
  const std::string_view wanted = canonical_name(name);
  std::vector<std::string_view> values;
  for (const auto& h : headers) {
    if (iequals(h.canonical, wanted)) values.push_back(h.value);
  }
  return values;
}

std::string SipMessage::summary() const {
  return is_request ? std::string(method) : std::to_string(status_code);
}

bool looks_like_sip(std::string_view text) {
  while (text.size() >= 2 && text[0] == '\r' && text[1] == '\n') text.remove_prefix(2);
  if (text.rfind("SIP/2.0 ", 0) == 0) return true;
  // Method SP scheme ":" ... SP SIP/2.0
  std::size_t i = 0;
  while (i < text.size() && i < 256 && is_token_char(text[i])) ++i;
  if (i == 0 || i >= text.size() || text[i] != ' ') return false;
  const std::size_t eol = text.find('\n', i);
  const std::string_view line = text.substr(
      0, eol == std::string_view::npos ? std::min<std::size_t>(text.size(), 2048) : eol);
  return line.find(" SIP/2.0") != std::string_view::npos ||
         line.find(" SIP/") != std::string_view::npos;
}

void SipMessage::reset() {
  is_request = false;
  method = {};
  request_uri = {};
  version = {};
  status_code = 0;
  reason = {};
  headers.clear();
  call_id = {};
  cseq.reset();
  cseq_method = {};
  from = {};
  to = {};
  vias.clear();
  contacts.clear();
  record_routes.clear();
  routes.clear();
  max_forwards.reset();
  content_type = {};
  content_length.reset();
  user_agent = {};
  body = {};
  sdp.reset();
  problems.clear();
}

SipParseResult parse_sip_message(std::string_view text, SipMessage& m, SipParseOptions options) {
  SipParseResult result;
  m.reset();
  m.headers.reserve(16);  // a typical message's count: no regrowing on the way
  std::size_t start = 0;
  while (start + 1 < text.size() && text[start] == '\r' && text[start + 1] == '\n') start += 2;
  while (start < text.size() && text[start] == '\n') ++start;  // bare LF keep-alives
  const std::string_view msg = text.substr(start);
  if (msg.empty()) {
    result.status = SipParseStatus::incomplete;
    result.consumed = start;
    return result;
  }
  // The head ends at the first empty line.
  std::size_t head_end = std::string_view::npos;
  std::size_t body_start = 0;
  // From one LF to the next (memchr), not byte by byte: the head is most of a message.
  for (std::size_t i = msg.find('\n'); i != std::string_view::npos; i = msg.find('\n', i + 1)) {
    if (i + 1 < msg.size() && msg[i + 1] == '\n') {
      head_end = i + 1;
      body_start = i + 2;
      break;
    }
    if (i + 2 < msg.size() && msg[i + 1] == '\r' && msg[i + 2] == '\n') {
      head_end = i + 1;
      body_start = i + 3;
      break;
    }
  }
  if (!looks_like_sip(msg.substr(0, std::min<std::size_t>(msg.size(), 4096)))) {
    // A partial first line may still become SIP on a stream.
    if (options.stream && msg.find('\n') == std::string_view::npos && msg.size() < 4096) {
      result.status = SipParseStatus::incomplete;
    } else {
      result.status = SipParseStatus::not_sip;
    }
    result.consumed = start;
    return result;
  }
  if (head_end == std::string_view::npos) {
    if (options.stream) {
      result.status = SipParseStatus::incomplete;
      result.consumed = start;
      return result;
    }
    head_end = msg.size();  // a datagram without the empty line: all head, no body
    body_start = msg.size();
  }
  const std::string_view head = msg.substr(0, head_end);

  // Start line.
  std::string_view rest;
  std::string_view line = split_first(head, '\n', rest);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.rfind("SIP/", 0) == 0) {
    m.is_request = false;
    std::string_view after;
    m.version = split_first(line, ' ', after);
    std::string_view reason;
    const std::string_view code = split_first(after, ' ', reason);
    const auto status = parse_decimal(code);
    if (!status || code.size() != 3 || *status < 100 || *status > 699) {
      m.problems.push_back(
          {FindingId::sip_bad_start_line, "status code '" + std::string(code) + "'"});
      result.status = SipParseStatus::invalid;
      result.consumed = start + msg.size();
      return result;
    }
    m.status_code = static_cast<int>(*status);
    m.reason = reason;
  } else {
    m.is_request = true;
    std::string_view after;
    m.method = split_first(line, ' ', after);
    std::string_view version;
    m.request_uri = split_first(after, ' ', version);
    m.version = version;
    if (!is_token(m.method) || !is_valid_request_uri(m.request_uri) ||
        version.find(' ') != std::string_view::npos || version.empty()) {
      m.problems.push_back({FindingId::sip_bad_start_line, std::string(line)});
    }
  }
  if (m.version != "SIP/2.0") {
    m.problems.push_back({FindingId::sip_bad_version, std::string(m.version)});
  }

  // Header fields.
  std::string_view fields = rest;
  while (!fields.empty()) {
    std::size_t end = 0;
    // A field runs to the end of a line not followed by a continuation (SP or HT).
    for (;;) {
      const std::size_t nl = fields.find('\n', end);
      if (nl == std::string_view::npos) {
        end = fields.size();
        break;
      }
      end = nl + 1;
      if (end < fields.size() && (fields[end] == ' ' || fields[end] == '\t')) continue;
      break;
    }
    std::string_view field = fields.substr(0, end);
    fields = fields.substr(end);
    field = trim(field);
    if (field.empty()) continue;
    std::string_view value;
    const std::string_view name = trim(split_first(field, ':', value));
    if (value.data() == nullptr || !is_token(name)) {
      m.problems.push_back(
          {FindingId::sip_header_malformed, "line '" + std::string(field.substr(0, 60)) + "'"});
      continue;
    }
    m.headers.push_back({name, canonical_name(name), trim(value)});
  }

  // Fields later layers need.
  int from_count = 0;
  int to_count = 0;
  int call_id_count = 0;
  int cseq_count = 0;
  int content_length_count = 0;
  for (const auto& h : m.headers) {
    const std::string_view n = h.canonical;
    switch (known_header(n)) {
      case KnownHeader::call_id: {
        ++call_id_count;
        m.call_id = h.value;
        break;
      }
      case KnownHeader::cseq: {
        ++cseq_count;
        std::string_view method;
        const std::string_view number = trim(split_first(h.value, ' ', method));
        const auto value = parse_decimal(number);
        if (!value || *value > 0xffffffffull) {
          m.problems.push_back(
              {FindingId::sip_header_malformed, "CSeq '" + std::string(h.value) + "'"});
        } else {
          m.cseq = static_cast<std::uint32_t>(*value);
        }
        m.cseq_method = trim(method);
        break;
      }
      case KnownHeader::from: {
        ++from_count;
        if (!parse_name_addr(h.value, m.from)) {
          m.problems.push_back(
              {FindingId::sip_header_malformed, "From '" + std::string(h.value) + "'"});
        }
        break;
      }
      case KnownHeader::to: {
        ++to_count;
        if (!parse_name_addr(h.value, m.to)) {
          m.problems.push_back(
              {FindingId::sip_header_malformed, "To '" + std::string(h.value) + "'"});
        }
        break;
      }
      case KnownHeader::via: {
        for_each_list_item(h.value, [&m](std::string_view item) {
          SipVia via;
          if (!parse_via(item, via)) {
            m.problems.push_back(
                {FindingId::sip_header_malformed, "Via '" + std::string(item) + "'"});
          }
          m.vias.push_back(via);
        });
        break;
      }
      case KnownHeader::contact: {
        for_each_list_item(h.value, [&m](std::string_view item) {
          SipNameAddr contact;
          if (item != "*" && !parse_name_addr(item, contact)) {
            m.problems.push_back(
                {FindingId::sip_header_malformed, "Contact '" + std::string(item) + "'"});
          }
          m.contacts.push_back(item);
        });
        break;
      }
      case KnownHeader::date: {
        if (!valid_date(h.value)) {
          m.problems.push_back(
              {FindingId::sip_header_malformed, "Date '" + std::string(h.value) + "'"});
        }
        break;
      }
      case KnownHeader::record_route: {
        for_each_list_item(h.value,
                           [&m](std::string_view item) { m.record_routes.push_back(item); });
        break;
      }
      case KnownHeader::route: {
        for_each_list_item(h.value, [&m](std::string_view item) { m.routes.push_back(item); });
        break;
      }
      case KnownHeader::max_forwards: {
        const auto value = parse_decimal(h.value);
        if (!value || *value > 255) {
          m.problems.push_back(
              {FindingId::sip_header_malformed, "Max-Forwards '" + std::string(h.value) + "'"});
        } else {
          m.max_forwards = static_cast<std::uint32_t>(*value);
        }
        break;
      }
      case KnownHeader::content_type: {
        m.content_type = h.value;
        break;
      }
      case KnownHeader::content_length: {
        ++content_length_count;
        const auto value = parse_decimal(h.value);
        if (!value) {
          m.problems.push_back({FindingId::sip_content_length_invalid, std::string(h.value)});
        } else {
          m.content_length = *value;
        }
        break;
      }
      case KnownHeader::user_agent: {
        m.user_agent = h.value;
        break;
      }
      case KnownHeader::none:
        break;
    }
  }
  if (call_id_count == 0 || cseq_count == 0 || from_count == 0 || to_count == 0 || m.vias.empty()) {
    std::string missing;
    if (call_id_count == 0) missing += " Call-ID";
    if (cseq_count == 0) missing += " CSeq";
    if (from_count == 0) missing += " From";
    if (to_count == 0) missing += " To";
    if (m.vias.empty()) missing += " Via";
    m.problems.push_back({FindingId::sip_header_missing, missing.substr(1)});
  }
  if (call_id_count > 1 || cseq_count > 1 || from_count > 1 || to_count > 1 ||
      content_length_count > 1) {
    m.problems.push_back(
        {FindingId::sip_header_duplicated, "Call-ID, CSeq, From, To or Content-Length"});
  }
  if (m.is_request && !m.cseq_method.empty() && m.cseq_method != m.method) {
    m.problems.push_back({FindingId::sip_cseq_method_mismatch,
                          std::string(m.method) + " vs CSeq " + std::string(m.cseq_method)});
  }

  // Body.
  const std::size_t available = msg.size() - body_start;
  std::size_t body_length = available;
  if (m.content_length) {
    if (*m.content_length > available) {
      if (options.stream) {
        result.status = SipParseStatus::incomplete;
        result.consumed = start;
        return result;
      }
      m.problems.push_back({FindingId::sip_content_length_mismatch,
                            "Content-Length " + std::to_string(*m.content_length) + ", body " +
                                std::to_string(available) + " bytes"});
    } else {
      body_length = static_cast<std::size_t>(*m.content_length);
    }
  } else if (options.stream) {
    m.problems.push_back({FindingId::sip_tcp_unframed, ""});
    body_length = 0;
  }
  m.body = msg.substr(body_start, body_length);
  if (options.parse_sdp && !m.body.empty() &&
      istarts_with(trim(m.content_type), "application/sdp")) {
    Sdp sdp;
    if (parse_sdp(m.body, sdp)) m.sdp = std::make_unique<Sdp>(std::move(sdp));
  }
  result.status = SipParseStatus::ok;
  result.consumed = start + body_start + body_length;
  return result;
}

}  // namespace sipws
