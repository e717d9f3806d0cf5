'use strict';
// SIP over secure WebSocket (wss://, RFC 7118) on loopback, for the TLS-decryption samples
// (samples/make_wss_samples.sh, samples/README.md "WSS (TLS) captures"). One process runs both ends:
// a Node `https` server with a `ws` WebSocketServer (subprotocol `sip`) and a `ws` client that
// connects to wss://HOST:PORT with protocol `sip`. Over the one connection the client sends
//
//   REGISTER -> 200 OK
//   INVITE (SDP) -> 100 Trying, 180 Ringing, 200 OK (SDP)
//   ACK
//   BYE -> 200 OK
//
// each SIP message in one WebSocket text message, then closes the WebSocket (1000) and the TLS
// connection (close_notify), and the process exits.
//
//   node wss_cases.js CASE [--host 127.0.0.1] [--port 8443] [--cert FILE --key FILE]
//                          [--keylog FILE] [--expected FILE]
//
// --cert/--key: the server's PEM certificate and key. Without them a self-signed RSA 2048
//   certificate is made with `openssl req` in a temporary directory, which is removed at exit.
// --keylog FILE: the TLS secrets of the connection in SSLKEYLOGFILE (NSS key log) format, taken
//   from the server's `keylog` event (OpenSSL's keylog callback): CLIENT_RANDOM for TLS 1.2; for
//   TLS 1.3 the handshake and application traffic secrets of both directions and EXPORTER_SECRET.
//   The file is overwritten and holds exactly the secrets of the one connection this run makes.
// --expected FILE: the ground truth, a TSV with the header `call_id<TAB>cseq<TAB>method<TAB>status`
//   and one line per SIP message put on the wire (both directions, in the order sent); `method` is
//   set for requests, `status` for responses, `cseq` is e.g. `1 REGISTER`.
//
// CASE (the TLS version and cipher suite are forced on both ends and checked after the handshake):
//   tls12-ecdhe-aes128gcm  TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256
//   tls12-ecdhe-aes256gcm  TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384
//   tls12-ecdhe-chacha20   TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305
//   tls12-rsa-aes128gcm    TLSv1.2 AES128-GCM-SHA256 (RSA key exchange, no forward secrecy)
//   tls13-aes128gcm        TLSv1.3 TLS_AES_128_GCM_SHA256
//   tls13-aes256gcm        TLSv1.3 TLS_AES_256_GCM_SHA384
//   tls13-chacha20         TLSv1.3 TLS_CHACHA20_POLY1305_SHA256
//   tls13-deflate          TLSv1.3 with Node's default suite (TLS_AES_256_GCM_SHA384), and
//                          permessage-deflate on both ends with threshold 0 (every message compressed)

const fs = require('fs');
const os = require('os');
const path = require('path');
const https = require('https');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { WebSocket, WebSocketServer } = require('ws');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const CASE = process.argv[2];
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '8443'));
const keylogFile = arg('keylog', null);
const expectedFile = arg('expected', null);
const log = (...a) => console.log(`[${new Date().toISOString()}] [${CASE}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (n = 8) => crypto.randomBytes(n).toString('hex');
const WS_VERSION = require('ws/package.json').version;
const AGENT = `sipws wss_cases.js (Node ${process.version}, ws ${WS_VERSION}, OpenSSL ${process.versions.openssl})`;

// `ciphers` in Node holds both kinds of names: TLSv1.3 suites (TLS_*) go to OpenSSL's
// SSL_CTX_set_ciphersuites, the rest to SSL_CTX_set_cipher_list. `protocol`/`cipher` are what
// getProtocol()/getCipher().standardName must report after the handshake.
const CASES = {
  'tls12-ecdhe-aes128gcm': { version: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
  'tls12-ecdhe-aes256gcm': { version: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', cipher: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' },
  'tls12-ecdhe-chacha20': { version: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', cipher: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256' },
  'tls12-rsa-aes128gcm': { version: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256', cipher: 'TLS_RSA_WITH_AES_128_GCM_SHA256' },
  'tls13-aes128gcm': { version: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', cipher: 'TLS_AES_128_GCM_SHA256' },
  'tls13-aes256gcm': { version: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384', cipher: 'TLS_AES_256_GCM_SHA384' },
  'tls13-chacha20': { version: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256', cipher: 'TLS_CHACHA20_POLY1305_SHA256' },
  'tls13-deflate': { version: 'TLSv1.3', ciphers: null, cipher: null, deflate: { threshold: 0 } },
};
const C = CASES[CASE];
if (!C) {
  console.error(`unknown case ${CASE}; one of: ${Object.keys(CASES).join(' ')}`);
  process.exit(2);
}
function tlsOptions() {
  const o = { minVersion: C.version, maxVersion: C.version };
  if (C.ciphers) o.ciphers = C.ciphers;
  return o;
}

// ------------------------------------------------------------------------------------------------
// Certificate: self-signed RSA 2048, made now unless --cert/--key are given.
// ------------------------------------------------------------------------------------------------
let tmpDir = null;
function certificate() {
  const certFile = arg('cert', null);
  const keyFile = arg('key', null);
  if (certFile && keyFile) return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipws-wss-'));
  const c = path.join(tmpDir, 'cert.pem');
  const k = path.join(tmpDir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', k, '-out', c, '-days', '30',
    '-subj', `/CN=${host}`, '-addext', `subjectAltName=IP:${host}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { cert: fs.readFileSync(c), key: fs.readFileSync(k) };
}
function removeTmp() {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = null;
}

// ------------------------------------------------------------------------------------------------
// Ground truth.
// ------------------------------------------------------------------------------------------------
const recorded = [];
function record(text) {
  const h = parse(text);
  recorded.push([h.header('Call-ID'), h.header('CSeq').replace(/\s+/g, ' '), h.method || '', h.status || ''].join('\t'));
}
function writeExpected() {
  if (expectedFile) fs.writeFileSync(expectedFile, ['call_id\tcseq\tmethod\tstatus', ...recorded].map((l) => `${l}\n`).join(''));
}

// ------------------------------------------------------------------------------------------------
// SIP messages.
// ------------------------------------------------------------------------------------------------
function parse(text) {
  const sep = text.indexOf('\r\n\r\n');
  const head = sep >= 0 ? text.slice(0, sep) : text;
  const lines = head.split('\r\n');
  const start = lines[0];
  const m = /^SIP\/2\.0 (\d{3})/.exec(start);
  const all = (name) => {
    const re = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'i');
    return lines.slice(1).map((l) => re.exec(l)).filter(Boolean).map((x) => x[1].trim());
  };
  return {
    start,
    status: m ? Number(m[1]) : null,
    method: m ? null : start.split(' ')[0],
    all,
    header: (name) => all(name)[0] || '',
    body: sep >= 0 ? text.slice(sep + 4) : '',
  };
}

function build(startLine, headers, body = '', contentType = null) {
  const lines = [startLine, ...headers];
  if (body) lines.push(`Content-Type: ${contentType}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', '');
  return lines.join('\r\n') + body;
}

function sdp(user, ip) {
  const fp = Array.from(crypto.randomBytes(32), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
  return [
    'v=0', `o=${user} ${Date.now()} 2 IN IP4 ${ip}`, 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=msid-semantic: WMS *',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=candidate:1 1 udp 2122260223 ${ip} ${40000 + (Date.now() % 1000)} typ host generation 0`,
    `a=ice-ufrag:${rand(2)}`, `a=ice-pwd:${rand(12)}`, `a=fingerprint:sha-256 ${fp}`,
    `a=setup:${user === 'alice' ? 'actpass' : 'active'}`, 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', '',
  ].join('\r\n');
}

function send(ws, text) {
  record(text);
  return new Promise((res, rej) => ws.send(text, { binary: false, compress: !!C.deflate }, (e) => (e ? rej(e) : res())));
}

// ------------------------------------------------------------------------------------------------
// Server side: a registrar and a UAS (bob) that answers INVITE with 100, 180, 200 (SDP).
// ------------------------------------------------------------------------------------------------
function serverEndpoint(ws) {
  const toTags = new Map();
  const contact = `<sip:bob@${host}:${port};transport=ws>`;
  const respond = (req, status, reason, { body = '', contentType = 'application/sdp', extra = [] } = {}) => {
    const callId = req.header('Call-ID');
    if (!toTags.has(callId)) toTags.set(callId, rand(5));
    const to = req.header('To');
    // the To-tag: kept if the request has one, added to every response but 100 Trying otherwise
    const toLine = /;tag=/i.test(to) || status === 100 ? to : `${to};tag=${toTags.get(callId)}`;
    return send(ws, build(`SIP/2.0 ${status} ${reason}`, [
      ...req.all('Via').map((v) => `Via: ${v}`),
      ...req.all('Record-Route').map((v) => `Record-Route: ${v}`),
      `To: ${toLine}`,
      `From: ${req.header('From')}`,
      `Call-ID: ${callId}`,
      `CSeq: ${req.header('CSeq')}`,
      ...extra,
      `Server: ${AGENT}`,
    ], body, contentType));
  };
  ws.on('message', (data) => {
    const req = parse(data.toString('utf8'));
    if (req.status) return;
    switch (req.method) {
      case 'REGISTER': {
        const expires = req.header('Expires') || '600';
        respond(req, 200, 'OK', { extra: [`Contact: ${req.header('Contact')};expires=${expires}`, 'Date: ' + new Date().toUTCString()] });
        break;
      }
      case 'INVITE':
        respond(req, 100, 'Trying');
        setTimeout(() => respond(req, 180, 'Ringing', { extra: [`Contact: ${contact}`] }), 40);
        setTimeout(() => respond(req, 200, 'OK', {
          body: sdp('bob', host), extra: [`Contact: ${contact}`, 'Allow: INVITE,ACK,CANCEL,BYE,OPTIONS', 'Supported: outbound'],
        }), 150);
        break;
      case 'ACK':
        break;
      case 'BYE':
        respond(req, 200, 'OK');
        break;
      default:
        respond(req, 405, 'Method Not Allowed', { extra: ['Allow: INVITE,ACK,CANCEL,BYE,REGISTER'] });
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Client side: alice registers and calls bob.
// ------------------------------------------------------------------------------------------------
async function clientScript(ws) {
  const domain = host;
  const viaHost = `${rand(5)}.invalid`;
  const contact = `<sip:alice@${viaHost};transport=ws>`;
  const waiters = new Map(); // "call-id cseq method" -> { resolve, statuses }
  ws.on('message', (data) => {
    const msg = parse(data.toString('utf8'));
    if (!msg.status) return;
    const [num, method] = msg.header('CSeq').split(/\s+/);
    const w = waiters.get(`${msg.header('Call-ID')} ${num} ${method}`);
    if (!w) return;
    w.statuses.push(msg.status);
    if (msg.status >= 200) w.resolve(msg);
  });
  const request = (method, { ruri, to, toTag, callId, cseq, fromTag, headers = [], body = '', contentType = 'application/sdp' }) => {
    const text = build(`${method} ${ruri} SIP/2.0`, [
      `Via: SIP/2.0/WSS ${viaHost};branch=z9hG4bK${rand(6)}`,
      'Max-Forwards: 70',
      `To: ${to}${toTag ? `;tag=${toTag}` : ''}`,
      `From: <sip:alice@${domain}>;tag=${fromTag}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      ...(method === 'ACK' || method === 'BYE' ? [] : [`Contact: ${contact}`]),
      ...headers,
      ...(method === 'ACK' ? [] : ['Allow: INVITE,ACK,CANCEL,BYE,OPTIONS', `User-Agent: ${AGENT}`]),
    ], body, contentType);
    const key = `${callId} ${cseq} ${method}`;
    const statuses = [];
    const done = method === 'ACK' ? Promise.resolve(null) : new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no final response to ${key}`)), 10000);
      waiters.set(key, { resolve: (m) => { clearTimeout(t); waiters.delete(key); resolve(m); }, statuses });
    });
    return send(ws, text).then(() => done).then((m) => ({ final: m, statuses }));
  };

  // REGISTER
  const reg = await request('REGISTER', {
    ruri: `sip:${domain}`, to: `<sip:alice@${domain}>`, callId: rand(11), cseq: 1, fromTag: rand(5),
    headers: ['Expires: 600', 'Supported: path, gruu, outbound'],
  });
  if (reg.final.status !== 200) throw new Error(`REGISTER got ${reg.final.status}`);

  // INVITE, 100/180/200, ACK
  const callId = rand(11);
  const fromTag = rand(5);
  const bob = { ruri: `sip:bob@${domain}`, to: `<sip:bob@${domain}>`, callId, fromTag };
  const inv = await request('INVITE', { ...bob, cseq: 1, body: sdp('alice', host), headers: ['Supported: outbound'] });
  if (inv.final.status !== 200) throw new Error(`INVITE got ${inv.final.status}`);
  if (inv.statuses.join(',') !== '100,180,200') throw new Error(`INVITE got ${inv.statuses.join(',')}`);
  const toTag = (/;tag=([^;>\s]+)/.exec(inv.final.header('To')) || [])[1];
  if (!toTag) throw new Error('200 OK to INVITE without To-tag');
  const remote = (/<([^>]+)>/.exec(inv.final.header('Contact')) || [])[1] || bob.ruri;
  await request('ACK', { ...bob, ruri: remote, cseq: 1, toTag });
  await sleep(200);

  // BYE
  const bye = await request('BYE', { ...bob, ruri: remote, cseq: 2, toTag });
  if (bye.final.status !== 200) throw new Error(`BYE got ${bye.final.status}`);
}

// ------------------------------------------------------------------------------------------------
// Main.
// ------------------------------------------------------------------------------------------------
async function main() {
  const watchdog = setTimeout(() => { log('timeout'); removeTmp(); process.exit(3); }, 30000);
  const { cert, key } = certificate();
  let keylogFd = keylogFile ? fs.openSync(keylogFile, 'w') : null;

  const server = https.createServer({ cert, key, ...tlsOptions() });
  server.on('keylog', (line) => { if (keylogFd !== null) fs.writeSync(keylogFd, line); });
  server.on('tlsClientError', (e) => log(`server: TLS error: ${e.message}`));
  let serverSocketInfo = null;
  server.on('secureConnection', (s) => {
    serverSocketInfo = { protocol: s.getProtocol(), cipher: s.getCipher() };
  });
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: C.deflate || false,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  wss.on('connection', (ws, req) => {
    log(`server: connection from ${req.socket.remoteAddress}:${req.socket.remotePort}, protocol ${ws.protocol}, extensions offered: ${req.headers['sec-websocket-extensions'] || '-'}`);
    serverEndpoint(ws);
  });
  await new Promise((res, rej) => { server.once('error', rej); server.listen(port, host, res); });
  log(`listening on wss://${host}:${port}, ${C.version} ${C.ciphers || '(default suites)'}, permessage-deflate ${C.deflate ? JSON.stringify(C.deflate) : 'off'}`);

  const ws = new WebSocket(`wss://${host}:${port}`, 'sip', {
    rejectUnauthorized: false,
    perMessageDeflate: C.deflate || false,
    ...tlsOptions(),
  });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const s = ws._socket;
  const got = { protocol: s.getProtocol(), cipher: s.getCipher() };
  log(`client: connected, ${got.protocol} ${got.cipher.standardName} (${got.cipher.name}), subprotocol ${ws.protocol}, extensions ${ws.extensions || '-'}`);
  if (got.protocol !== C.version) throw new Error(`negotiated ${got.protocol}, wanted ${C.version}`);
  if (C.cipher && got.cipher.standardName !== C.cipher) throw new Error(`negotiated ${got.cipher.standardName}, wanted ${C.cipher}`);
  if (serverSocketInfo && serverSocketInfo.cipher.standardName !== got.cipher.standardName) throw new Error('client and server disagree on the cipher');
  if (ws.protocol !== 'sip') throw new Error(`subprotocol ${ws.protocol}`);
  if (!!C.deflate !== /permessage-deflate/.test(ws.extensions)) throw new Error(`extensions: ${ws.extensions}`);

  await clientScript(ws);
  await sleep(100);
  await new Promise((res) => { ws.once('close', res); ws.close(1000, 'bye'); });
  await new Promise((r) => wss.close(r));
  await new Promise((r) => server.close(r)); // resolves once the TLS connection is gone
  if (keylogFd !== null) fs.closeSync(keylogFd);
  keylogFd = null;
  writeExpected();
  removeTmp();
  clearTimeout(watchdog);
  log(`done: ${recorded.length} SIP messages, negotiated ${got.protocol} ${got.cipher.standardName}`);
  setTimeout(() => process.exit(process.exitCode || 0), 50);
}

process.on('SIGTERM', () => { removeTmp(); process.exit(143); });
process.on('SIGINT', () => { removeTmp(); process.exit(130); });
main().catch((e) => {
  log(`FAILED: ${e.stack || e}`);
  removeTmp();
  process.exit(1);
});
