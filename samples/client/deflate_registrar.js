'use strict';
// A tiny SIP-over-WebSocket "registrar" that negotiates permessage-deflate (RFC 7692), which
// Kamailio does not do. It answers REGISTER with 200 OK (echoing the Contact with its expires) and
// any other request with 501. Used only for ws-deflate-register.pcap.
//
//   node deflate_registrar.js [--host 127.0.0.1] [--port 8081]
const { WebSocketServer } = require('ws');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '8081'));

const wss = new WebSocketServer({
  host,
  port,
  // threshold 0: compress every message, even short SIP responses.
  perMessageDeflate: { threshold: 0 },
  handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
});

function headers(msg, name) {
  const re = new RegExp(`^${name}:\\s*(.*)$`, 'gim');
  const head = msg.split('\r\n\r\n')[0];
  return [...head.matchAll(re)].map((m) => m[1]);
}

wss.on('connection', (ws, req) => {
  console.log(`connection from ${req.socket.remoteAddress}:${req.socket.remotePort}, extensions: ${req.headers['sec-websocket-extensions']}`);
  ws.on('message', (data) => {
    const msg = data.toString();
    const method = msg.split(' ', 1)[0];
    if (/^SIP\/2\.0/.test(msg)) return;
    if (method === 'ACK') return;
    const [code, reason] = method === 'REGISTER' ? [200, 'OK'] : [501, 'Not Implemented'];
    const expires = (headers(msg, 'Expires')[0] || '600').trim();
    const contact = headers(msg, 'Contact')[0];
    const lines = [
      `SIP/2.0 ${code} ${reason}`,
      ...headers(msg, 'Via').map((v) => `Via: ${v};received=${req.socket.remoteAddress}`),
      `From: ${headers(msg, 'From')[0]}`,
      `To: ${headers(msg, 'To')[0]};tag=deflate${Date.now() % 100000}`,
      `Call-ID: ${headers(msg, 'Call-ID')[0]}`,
      `CSeq: ${headers(msg, 'CSeq')[0]}`,
    ];
    if (code === 200 && contact && expires !== '0') lines.push(`Contact: ${contact.replace(/;expires=\d+/, '')};expires=${expires}`);
    lines.push('Server: sipws deflate registrar (Node ws)', 'Content-Length: 0', '', '');
    ws.send(lines.join('\r\n'));
  });
});
wss.on('listening', () => console.log(`listening on ws://${host}:${port} with permessage-deflate`));
process.on('SIGTERM', () => { wss.close(); process.exit(0); });
process.on('SIGINT', () => { wss.close(); process.exit(0); });
