'use strict';
// JsSIP user agent under Node for samples/ws-reconnect-reregister.pcap (see make_reconnect_sample.sh):
//
//   node reconnect.js [--server ws://127.0.0.1:8080] [--domain 127.0.0.1] [--expires 120]
//                     [--recovery 3] [--linger 1500]
//
// 1. alice connects over WebSocket (subprotocol sip) and REGISTERs (Expires --expires), and prints
//    "REGISTERED 1" once the 200 OK is in. The calling script then breaks the connection (it resets
//    the server's end of the TCP connection).
// 2. JsSIP sees the WebSocket close abruptly (1006), reports "unregistered", and after its
//    connection recovery timer (connection_recovery_min_interval = max_interval = --recovery
//    seconds, so the delay is exact) it opens a NEW WebSocket connection and REGISTERs again.
// 3. --linger ms after that second 200 OK, alice unregisters (REGISTER Expires: 0) and closes the
//    WebSocket normally (Close frames from both sides).
// Exits 0 only if all of that happened, 1 otherwise (or after 30 s).
//
// Only jssip and ws are needed (no WebRTC: this UA makes no call).

const WebSocket = require('ws');

globalThis.window = globalThis;
globalThis.WebSocket = WebSocket;

const JsSIP = require('jssip');

if (!process.env.DEBUG) JsSIP.debug.disable('JsSIP:*'); else JsSIP.debug.enable(process.env.DEBUG);

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

const server = arg('server', 'ws://127.0.0.1:8080');
const domain = arg('domain', '127.0.0.1');
const expires = Number(arg('expires', '120'));
const recovery = Number(arg('recovery', '3'));
const linger = Number(arg('linger', '1500'));
const log = (...a) => console.log(`[${new Date().toISOString()}] [reconnect]`, ...a);

const ua = new JsSIP.UA({
  sockets: [new JsSIP.WebSocketInterface(server)],
  uri: `sip:alice@${domain}`,
  display_name: 'Alice',
  register: true,
  register_expires: expires,
  session_timers: false,
  connection_recovery_min_interval: recovery,
  connection_recovery_max_interval: recovery,
  user_agent: `JsSIP ${JsSIP.version} (Node ${process.version}, sipws samples)`,
});

let connects = 0;
let registrations = 0;
let abrupt = 0;
let stopping = false;

const fail = (why) => {
  console.error(`[reconnect] FAILED: ${why}`);
  process.exit(1);
};
setTimeout(() => fail('timed out after 30 s'), 30000).unref();

ua.on('connecting', (e) => log(`connecting (attempt ${e.attempts})`));
ua.on('connected', () => {
  connects += 1;
  log(`CONNECTED ${connects}`);
});
ua.on('disconnected', (e) => {
  log(`DISCONNECTED (error ${e.error}, code ${e.code}${e.reason ? ` "${e.reason}"` : ''})`);
  if (!stopping) {
    if (!e.error) fail('the first connection closed cleanly; expected an abrupt close');
    abrupt += 1;
  }
});
ua.on('unregistered', (e) => log(`unregistered${e && e.response ? ` (${e.response.status_code})` : ' (transport closed)'}`));
ua.on('registrationFailed', (e) => fail(`registration failed: ${e.cause}`));
ua.on('registered', (e) => {
  registrations += 1;
  log(`REGISTERED ${registrations} (${e.response.status_code} ${e.response.reason_phrase}) on connection ${connects}`);
  if (registrations === 2) {
    if (connects !== 2 || abrupt !== 1) fail(`re-registered with ${connects} connects and ${abrupt} abrupt closes`);
    setTimeout(() => {
      stopping = true;
      ua.once('disconnected', () => {
        log('done');
        setTimeout(() => process.exit(0), 200);
      });
      ua.stop(); // unregisters first, then closes the WebSocket
    }, linger);
  }
});

ua.start();
