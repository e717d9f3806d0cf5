'use strict';
// SIP-over-WebSocket framing edge cases, made with the `ws` package on both ends (JsSIP cannot
// produce these frames). A tiny SIP-over-WS server (subprotocol `sip`) answers requests with proper
// SIP responses (200 OK to REGISTER/OPTIONS/MESSAGE/BYE, 100/180/200 to INVITE) and sends some
// requests of its own to the client (OPTIONS, MESSAGE), which the client answers.
//
//   node edge_cases.js CASE [--role both|server|client] [--host 127.0.0.1] [--port 8082]
//                           [--record FILE] [--go-file FILE]
//
// --role both (default): server and client in this one process, the client connects to
//   ws://HOST:PORT. --role server / --role client: one of them (for ws-impaired-tcp.pcap, where they
//   run in two network namespaces); the server exits when its client has closed.
// --record FILE: the ground truth, one line per SIP message this process put on the wire, in the
//   order sent: `send_time_ms <TAB> call_id <TAB> cseq <TAB> method <TAB> status` (make_edge_samples.sh
//   merges the files of both roles by time and drops the first column into <name>.expected.tsv).
// --go-file FILE (case midstream): after REGISTER/200 the client waits until FILE exists (the
//   capture has started), and records only what is sent after that.
//
// CASE is one of:
//   deflate-takeover     permessage-deflate with context takeover, every message compressed
//   deflate-no-takeover  permessage-deflate; server_no_context_takeover; client_no_context_takeover;
//                        server_max_window_bits=10; client_max_window_bits=10
//   fragmented           no deflate; every SIP message split into 3-4 frames (text, continuation...),
//                        with Ping frames (and the peer's automatic Pong) between the fragments
//   deflate-fragmented   deflate negotiated; messages both compressed and fragmented (RSV1 on the
//                        first frame only), with pings between fragments, plus some whole ones
//   fragmented-interleaved  like fragmented, but the server sends its own fragmented requests
//                        while the client's fragmented messages are on the wire, so fragments of
//                        the two directions alternate on the TCP connection
//   binary               every SIP message in a binary (opcode 2) frame, both ways
//   batched              several WebSocket frames in one TCP segment: the sender corks its socket,
//                        writes several SIP messages and uncorks (one writev), both ways
//   large                one MESSAGE with a 70000-byte body (64-bit payload length) and its 200 OK
//   midstream            REGISTER before the capture starts (--go-file), more traffic after
//   impaired             deflate (context takeover); dozens of pipelined requests each way, some
//                        large, half of them compressed, for the impaired-TCP capture

const fs = require('fs');
const crypto = require('crypto');
const { WebSocket, WebSocketServer } = require('ws');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const CASE = process.argv[2];
const role = arg('role', 'both');
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '8082'));
const recordFile = arg('record', null);
const goFile = arg('go-file', null);
const log = (...a) => console.log(`[${new Date().toISOString()}] [${CASE}/${role}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (n = 8) => crypto.randomBytes(n).toString('hex');
const WS_VERSION = require('ws/package.json').version;

// ------------------------------------------------------------------------------------------------
// Cases: framing policy and what each side sends.
// ------------------------------------------------------------------------------------------------
const DEFLATE = { threshold: 0 };
const DEFLATE_NO_TAKEOVER = {
  threshold: 0,
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 10,
  clientMaxWindowBits: 10,
};
function alternate() { let n = 0; return () => n++ % 2 === 0; }
const CASES = {
  'deflate-takeover': { deflate: DEFLATE, serverRequests: 3 },
  'deflate-no-takeover': { deflate: DEFLATE_NO_TAKEOVER, serverRequests: 3 },
  // the server sends its requests only after the client's BYE: fragmented messages of the two
  // directions never overlap in time (tshark 4.0 mixes up overlapping ones, see README.md)
  fragmented: { deflate: false, fragments: true, serverRequests: 2, serverAfterBye: true },
  'deflate-fragmented': { deflate: DEFLATE, fragments: true, serverRequests: 2, serverAfterBye: true },
  // the same, but the server's fragmented requests start at once and overlap the client's
  'fragmented-interleaved': { deflate: false, fragments: true, serverRequests: 4 },
  binary: { deflate: false, binary: true, serverRequests: 2 },
  batched: { deflate: false, batch: true, serverRequests: 4 },
  large: { deflate: false, serverRequests: 0 },
  midstream: { deflate: false, serverRequests: 2 },
  impaired: { deflate: DEFLATE, serverRequests: 16, timeout: 120000, compressEvery: alternate() },
};
const C = CASES[CASE];
if (!C) {
  console.error(`unknown case ${CASE}; one of: ${Object.keys(CASES).join(' ')}`);
  process.exit(2);
}

// ------------------------------------------------------------------------------------------------
// Ground truth.
// ------------------------------------------------------------------------------------------------
const { performance } = require('perf_hooks');
let recording = !goFile;
const recorded = [];
function record(text) {
  if (!recording) return;
  const h = parse(text);
  const ts = (performance.timeOrigin + performance.now()).toFixed(3);
  recorded.push([ts, h.header('Call-ID'), h.header('CSeq').replace(/\s+/g, ' '), h.method || '', h.status || ''].join('\t'));
}
function writeRecord() {
  if (recordFile) fs.writeFileSync(recordFile, recorded.map((l) => `${l}\n`).join(''));
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
    return lines.slice(1).map((l) => re.exec(l)).filter(Boolean).map((x) => x[1]);
  };
  return {
    start,
    status: m ? Number(m[1]) : null,
    method: m ? null : start.split(' ')[0],
    all,
    header: (name) => (all(name)[0] || '').trim(),
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

// Pseudo-random printable text (base64 of random bytes, so deflate cannot shrink it much).
function noise(n) {
  const s = crypto.randomBytes(Math.ceil((n * 3) / 4)).toString('base64').slice(0, n);
  return s.replace(/(.{76})/g, '$1\r\n').slice(0, n);
}
// Readable text that deflates well.
function prose(n) {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `line ${String(i).padStart(5, '0')}: the quick brown fox jumps over the lazy dog\r\n`;
  return s.slice(0, n);
}

// ------------------------------------------------------------------------------------------------
// A SIP endpoint on one WebSocket: sends requests, matches responses, answers requests.
// ------------------------------------------------------------------------------------------------
class Endpoint {
  constructor(ws, opts) {
    this.ws = ws;
    this.user = opts.user;
    this.domain = opts.domain;
    this.viaHost = `${rand(5)}.invalid`;
    this.contact = `<sip:${this.user}@${this.viaHost};transport=ws>`;
    this.pending = new Map();
    this.received = [];
    this.onRequestDone = opts.onRequestDone || (() => {});
    this.corked = false;
    this.frameQueue = Promise.resolve();
    ws.on('message', (data, isBinary) => this.onMessage(data.toString('utf8'), isBinary));
  }

  // Puts one SIP message on the wire with the case's framing policy.
  send(text) {
    record(text);
    const ws = this.ws;
    if (C.fragments) {
      // Fragments must not interleave with other data messages: chain them.
      this.frameQueue = this.frameQueue.then(() => this.sendFragmented(text));
      return this.frameQueue;
    }
    if (C.batch && !this.corked) {
      // Hold every write until the end of this tick, so the frames go out in one writev.
      this.corked = true;
      ws._socket.cork();
      setImmediate(() => {
        this.corked = false;
        ws._socket.uncork();
      });
    }
    const compress = C.compressEvery ? C.compressEvery(text) : true;
    ws.send(text, { binary: !!C.binary, compress });
    return Promise.resolve();
  }

  async sendFragmented(text) {
    const buf = Buffer.from(text);
    const n = buf.length > 600 ? 4 : 3;
    const cuts = [];
    for (let i = 1; i < n; i++) cuts.push(Math.floor((buf.length * i) / n));
    const parts = [];
    let prev = 0;
    for (const c of [...cuts, buf.length]) {
      parts.push(buf.subarray(prev, c));
      prev = c;
    }
    // In deflate-fragmented, every third message goes as one frame (compressed, not fragmented).
    if (CASE === 'deflate-fragmented' && (this.sent = (this.sent || 0) + 1) % 3 === 0) {
      this.ws.send(text, { compress: true });
      return;
    }
    for (let i = 0; i < parts.length; i++) {
      const fin = i === parts.length - 1;
      await new Promise((res, rej) => this.ws.send(parts[i], { binary: false, fin, compress: true }, (e) => (e ? rej(e) : res())));
      if (!fin) {
        this.ws.ping(Buffer.from(`${this.user}-${i}`));
        await sleep(15); // lets the peer's Pong arrive between the fragments
      }
    }
  }

  request(method, { to, ruri, callId, cseq, fromTag, toTag, headers = [], body = '', contentType = 'text/plain', wait = true } = {}) {
    callId = callId || `${rand(10)}@${this.viaHost}`;
    cseq = cseq || 1;
    ruri = ruri || `sip:${this.domain}`;
    to = to || `<sip:${this.user}@${this.domain}>`;
    const text = build(`${method} ${ruri} SIP/2.0`, [
      `Via: SIP/2.0/WS ${this.viaHost};branch=z9hG4bK${rand(6)}`,
      'Max-Forwards: 70',
      `To: ${to}${toTag ? `;tag=${toTag}` : ''}`,
      `From: <sip:${this.user}@${this.domain}>;tag=${fromTag || rand(5)}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      ...(method === 'ACK' ? [] : [`Contact: ${this.contact}`]),
      ...headers,
      'Allow: INVITE,ACK,CANCEL,BYE,OPTIONS,MESSAGE,REGISTER',
      `User-Agent: sipws edge_cases.js (Node ${process.version}, ws ${WS_VERSION})`,
    ], body, contentType);
    const key = `${callId} ${cseq} ${method}`;
    const done = new Promise((resolve, reject) => {
      if (method === 'ACK') return resolve(null);
      const timer = setTimeout(() => reject(new Error(`no final response to ${key}`)), C.timeout || 20000);
      this.pending.set(key, { resolve, timer, provisional: [] });
    });
    this.send(text);
    return wait ? done : { done };
  }

  respond(req, status, reason, { body = '', contentType = 'application/sdp', extra = [] } = {}) {
    const to = req.header('To');
    if (!this.toTags) this.toTags = new Map();
    const callId = req.header('Call-ID');
    if (!this.toTags.has(callId)) this.toTags.set(callId, rand(5));
    const text = build(`SIP/2.0 ${status} ${reason}`, [
      ...req.all('Via').map((v) => `Via: ${v.trim()}`),
      `To: ${/;tag=/.test(to) || status === 100 ? to : `${to};tag=${this.toTags.get(callId)}`}`,
      `From: ${req.header('From')}`,
      `Call-ID: ${callId}`,
      `CSeq: ${req.header('CSeq')}`,
      ...extra,
      `Server: sipws edge_cases.js (Node ${process.version}, ws ${WS_VERSION})`,
    ], body, contentType);
    this.send(text);
  }

  onMessage(text, isBinary) {
    const msg = parse(text);
    this.received.push(msg);
    if (msg.status) {
      const [num, method] = msg.header('CSeq').split(/\s+/);
      const key = `${msg.header('Call-ID')} ${num} ${method}`;
      const p = this.pending.get(key);
      if (!p) return;
      if (msg.status < 200) return p.provisional.push(msg.status);
      clearTimeout(p.timer);
      this.pending.delete(key);
      p.resolve(msg);
      return;
    }
    const m = msg.method;
    if (m === 'ACK') return;
    if (m === 'INVITE') {
      this.respond(msg, 100, 'Trying');
      setTimeout(() => this.respond(msg, 180, 'Ringing', { extra: [`Contact: ${this.contact}`] }), 40);
      setTimeout(() => this.respond(msg, 200, 'OK', { body: sdp(this.user, host), extra: [`Contact: ${this.contact}`] }), 120);
    } else if (m === 'REGISTER') {
      const expires = msg.header('Expires') || '600';
      const extra = expires === '0' ? [] : [`Contact: ${msg.header('Contact')};expires=${expires}`];
      this.respond(msg, 200, 'OK', { extra });
    } else if (['OPTIONS', 'MESSAGE', 'BYE', 'CANCEL', 'INFO', 'NOTIFY'].includes(m)) {
      this.respond(msg, 200, 'OK', { extra: m === 'OPTIONS' ? ['Accept: application/sdp', 'Allow: INVITE,ACK,CANCEL,BYE,OPTIONS,MESSAGE,REGISTER'] : [] });
    } else {
      this.respond(msg, 405, 'Method Not Allowed');
    }
    this.onRequestDone(msg);
  }

  // INVITE, 100/180/200, ACK; BYE/200 after holdMs.
  async call(target, holdMs = 200) {
    const callId = `${rand(10)}@${this.viaHost}`;
    const fromTag = rand(5);
    const to = `<sip:${target}@${this.domain}>`;
    const ok = await this.request('INVITE', { to, ruri: `sip:${target}@${this.domain}`, callId, fromTag, body: sdp(this.user, host), contentType: 'application/sdp' });
    if (ok.status !== 200) throw new Error(`INVITE got ${ok.status}`);
    const toTag = (/;tag=([^;>\s]+)/.exec(ok.header('To')) || [])[1];
    this.request('ACK', { to, ruri: `sip:${target}@${this.domain}`, callId, cseq: 1, fromTag, toTag });
    await sleep(holdMs);
    await this.request('BYE', { to, ruri: `sip:${target}@${this.domain}`, callId, cseq: 2, fromTag, toTag });
  }
}

// ------------------------------------------------------------------------------------------------
// What the server sends of its own (after the client's REGISTER), and what the client sends.
// ------------------------------------------------------------------------------------------------
async function serverScript(ep) {
  const to = ep.clientContact || `<sip:alice@${ep.domain}>`;
  const ruri = to.replace(/^<|>.*$/g, '');
  const n = C.serverRequests;
  if (CASE === 'batched') {
    // Several requests written in the same tick: one TCP segment.
    const all = [];
    for (let i = 0; i < n; i++) {
      all.push(i % 2 ? ep.request('MESSAGE', { to, ruri, body: `server message ${i}`, wait: false }).done
        : ep.request('OPTIONS', { to, ruri, wait: false }).done);
    }
    await Promise.all(all);
    return;
  }
  if (CASE === 'impaired') {
    for (let burst = 0; burst < n / 8; burst++) {
      const all = [];
      for (let i = 0; i < 8; i++) {
        const k = burst * 8 + i;
        all.push(k % 3 === 0 ? ep.request('OPTIONS', { to, ruri, wait: false }).done
          : ep.request('MESSAGE', { to, ruri, body: i === 1 ? noise(20000) : k % 3 === 1 ? noise(2500) : prose(1500), wait: false }).done);
      }
      await Promise.all(all);
      await sleep(100);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) await ep.request('OPTIONS', { to, ruri });
    else await ep.request('MESSAGE', { to, ruri, body: `Hello alice, this is server message ${i}. The same words again and again help deflate.` });
    await sleep(30);
  }
}

async function clientScript(ep) {
  const register = (expires, callId, cseq) => ep.request('REGISTER', {
    callId, cseq, headers: [`Expires: ${expires}`, 'Supported: path, outbound'],
  });
  const regCallId = `${rand(10)}@${ep.viaHost}`;
  const r = await register(600, regCallId, 1);
  if (r.status !== 200) throw new Error(`REGISTER got ${r.status}`);
  let cseq = 2;

  if (CASE === 'midstream') {
    log('registered; waiting for the capture to start');
    while (!fs.existsSync(goFile)) await sleep(50);
    recording = true;
    log('capture started; going on');
  }

  const serverDone = ep.waitServerRequests();
  const bob = '<sip:bob@' + ep.domain + '>';
  switch (CASE) {
    case 'deflate-takeover':
    case 'deflate-no-takeover':
    case 'fragmented':
    case 'deflate-fragmented':
    case 'fragmented-interleaved':
    case 'binary':
    case 'midstream':
      await ep.request('OPTIONS', { to: bob, ruri: `sip:bob@${ep.domain}` });
      for (let i = 0; i < 3; i++) {
        await ep.request('MESSAGE', { to: bob, ruri: `sip:bob@${ep.domain}`, body: `Hello bob, this is message number ${i} from alice. The same words again and again help deflate.` });
      }
      await ep.call('bob', 200);
      break;
    case 'batched': {
      const all = [];
      for (let i = 0; i < 6; i++) {
        all.push(i === 0 ? ep.request('OPTIONS', { to: bob, ruri: `sip:bob@${ep.domain}`, wait: false }).done
          : ep.request('MESSAGE', { to: bob, ruri: `sip:bob@${ep.domain}`, body: `batched message ${i}`, wait: false }).done);
      }
      await Promise.all(all);
      break;
    }
    case 'large': {
      const body = prose(70000);
      await ep.request('MESSAGE', { to: bob, ruri: `sip:bob@${ep.domain}`, body });
      break;
    }
    case 'impaired': {
      for (let burst = 0; burst < 5; burst++) {
        const all = [];
        for (let i = 0; i < 8; i++) {
          const k = burst * 8 + i;
          // one 24 kB message per burst: long runs of back-to-back segments
          const body = i === 0 ? noise(24000) : k % 4 === 0 ? noise(3000 + 200 * burst) : k % 4 === 1 ? prose(2000) : `short message ${k}`;
          all.push(ep.request('MESSAGE', { to: bob, ruri: `sip:bob@${ep.domain}`, body, wait: false }).done);
        }
        await Promise.all(all);
        await sleep(100);
        if (burst === 2) await ep.call('bob', 300);
      }
      break;
    }
    default:
      throw new Error(`no client script for ${CASE}`);
  }
  await serverDone;
  await register(0, regCallId, cseq++);
}

// ------------------------------------------------------------------------------------------------
// Main.
// ------------------------------------------------------------------------------------------------
function startServer() {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({
      host,
      port,
      perMessageDeflate: C.deflate,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    wss.on('connection', (ws, req) => {
      log(`server: connection from ${req.socket.remoteAddress}:${req.socket.remotePort}, Sec-WebSocket-Extensions offered: ${req.headers['sec-websocket-extensions'] || '-'}`);
      let started = false;
      const ep = new Endpoint(ws, {
        user: 'edge',
        domain: host,
        onRequestDone: (msg) => {
          if (msg.method === 'REGISTER' && msg.header('Expires') !== '0' && !started) {
            started = true;
            ep.clientContact = msg.header('Contact');
            if (CASE !== 'midstream' && !C.serverAfterBye) setTimeout(() => runServer(), 50);
          }
          if (C.serverAfterBye && msg.method === 'BYE') setTimeout(() => runServer(), 50);
          if (CASE === 'midstream' && msg.method === 'OPTIONS' && !ep.midStarted) {
            ep.midStarted = true;
            setTimeout(() => runServer(), 50);
          }
        },
      });
      const runServer = () => serverScript(ep).then(() => log('server: its requests are answered'), (e) => {
        log(`server script failed: ${e.message}`);
        process.exitCode = 1;
      });
      ws.on('close', (code) => {
        log(`server: client closed (${code})`);
        if (role === 'server') {
          writeRecord();
          wss.close();
          setTimeout(() => process.exit(process.exitCode || 0), 200);
        }
      });
    });
    wss.on('listening', () => {
      log(`listening on ws://${host}:${port}, permessage-deflate ${C.deflate ? JSON.stringify(C.deflate) : 'off'}`);
      resolve(wss);
    });
  });
}

async function runClient() {
  const url = `ws://${host}:${port}`;
  const ws = new WebSocket(url, 'sip', { perMessageDeflate: C.deflate });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  log(`client: connected to ${url}, Sec-WebSocket-Extensions: ${ws.extensions || '-'}`);
  let serverReqs = 0;
  let serverWake = null;
  const ep = new Endpoint(ws, {
    user: 'alice',
    domain: host,
    onRequestDone: (msg) => {
      if (msg.method !== 'ACK') serverReqs++;
      if (serverWake && serverReqs >= C.serverRequests) serverWake();
    },
  });
  ep.waitServerRequests = () => new Promise((res) => {
    if (serverReqs >= C.serverRequests) return res();
    serverWake = res;
  });
  await clientScript(ep);
  await sleep(100);
  await new Promise((res) => { ws.once('close', res); ws.close(1000, 'bye'); });
  log(`client: done, ${ep.received.length} SIP messages received`);
}

async function main() {
  const watchdog = setTimeout(() => { log('timeout'); process.exit(3); }, (C.timeout || 20000) * 2);
  if (role === 'server') {
    await startServer();
    clearTimeout(watchdog);
    return;
  }
  let wss = null;
  if (role === 'both') wss = await startServer();
  await runClient();
  if (wss) await new Promise((r) => wss.close(r));
  writeRecord();
  clearTimeout(watchdog);
  setTimeout(() => process.exit(process.exitCode || 0), 50);
}

process.on('SIGTERM', () => process.exit(143));
process.on('SIGINT', () => process.exit(130));
main().catch((e) => {
  log(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
