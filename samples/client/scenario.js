'use strict';
// JsSIP user agents under Node that produce the sipws sample captures.
//
//   node scenario.js SCENARIO [--server ws://127.0.0.1:8080] [--domain 127.0.0.1]
//
// SCENARIO is one of:
//   register   alice registers over WebSocket, then unregisters
//   answered   bob registers; alice calls bob (WS to WS), bob answers, BYE after a few seconds
//   rejected   bob registers; alice calls bob, bob rejects with 486 Busy Here
//   cancelled  bob registers; alice calls bob, bob rings, alice cancels before an answer
//   two-legs   alice calls SIPp behind Kamailio over UDP: 200 (answered), 486 (busy), 180 (cancelled)
//   deflate-register  like register, against deflate_registrar.js (port 8081), with the client
//              offering permessage-deflate with no size threshold, so every SIP message is compressed
//
// WebRTC comes from @roamhq/wrtc (a real libwebrtc build shipped in the npm package), so the SDP
// offers and answers are what libwebrtc generates (ICE candidates, DTLS fingerprint, BUNDLE, rtcp-mux).
// The W3C WebSocket JsSIP expects is the `ws` package's WebSocket.

const WebSocket = require('ws');
const wrtc = require('@roamhq/wrtc');

globalThis.window = globalThis;
globalThis.WebSocket = WebSocket;
globalThis.RTCPeerConnection = wrtc.RTCPeerConnection;
globalThis.RTCSessionDescription = wrtc.RTCSessionDescription;
globalThis.RTCIceCandidate = wrtc.RTCIceCandidate;
globalThis.MediaStream = wrtc.MediaStream;

const JsSIP = require('jssip');

if (!process.env.DEBUG) JsSIP.debug.disable('JsSIP:*'); else JsSIP.debug.enable(process.env.DEBUG);

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

const scenario = process.argv[2];
const server = arg('server', 'ws://127.0.0.1:8080');
const domain = arg('domain', '127.0.0.1');
const log = (...a) => console.log(`[${new Date().toISOString()}] [${scenario}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A local audio track (silence fed by a timer) so the offer has a sendrecv audio m-line.
const sources = [];
function audioStream() {
  const source = new wrtc.nonstandard.RTCAudioSource();
  const track = source.createTrack();
  const samples = new Int16Array(480);
  const timer = setInterval(() => {
    source.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
  }, 10);
  sources.push({ track, timer });
  return new wrtc.MediaStream([track]);
}

// Keep only loopback ICE candidates in our SDP, so that nothing (not even the text) names another
// address. make_samples.sh runs everything in a network namespace holding only `lo`, where this
// changes nothing; it matters only when run on a host's loopback.
function loopbackOnly(sdp) {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') || / (127\.0\.0\.1|::1) \d+ typ /.test(l))
    .join('\r\n');
}

const pcConfig = { iceServers: [], bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };

function makeUA(user, register) {
  const socket = new JsSIP.WebSocketInterface(server);
  const ua = new JsSIP.UA({
    sockets: [socket],
    uri: `sip:${user}@${domain}`,
    display_name: user[0].toUpperCase() + user.slice(1),
    register,
    register_expires: 600,
    session_timers: false,
    user_agent: `JsSIP ${JsSIP.version} (Node ${process.version}, sipws samples)`,
  });
  ua.on('newRTCSession', ({ session }) => {
    session.on('sdp', (e) => {
      if (e.originator === 'local') e.sdp = loopbackOnly(e.sdp);
    });
  });
  return ua;
}

function once(emitter, ok, bad) {
  return new Promise((resolve, reject) => {
    emitter.once(ok, resolve);
    if (bad) emitter.once(bad, (e) => reject(new Error(`${bad}: ${e && (e.cause || e.response && e.response.status_code)}`)));
  });
}

async function start(ua, registered) {
  const p = registered ? once(ua, 'registered', 'registrationFailed') : once(ua, 'connected');
  ua.start();
  await p;
}

async function stop(ua) {
  const p = once(ua, 'disconnected');
  ua.stop(); // unregisters first when registered, then closes the WebSocket
  await Promise.race([p, sleep(5000)]);
}

// bob: answers after ringing for `ringMs`, or rejects with `rejectCode`, or just rings.
function callee(ua, { ringMs = 1500, rejectCode = 0, ringOnly = false } = {}) {
  ua.on('newRTCSession', ({ originator, session }) => {
    if (originator !== 'remote') return;
    log(`bob: incoming call from ${session.remote_identity.uri}`);
    if (ringOnly) return;
    setTimeout(() => {
      if (session.isEnded()) return;
      if (rejectCode) session.terminate({ status_code: rejectCode, reason_phrase: rejectCode === 486 ? 'Busy Here' : undefined });
      else session.answer({ mediaStream: audioStream(), pcConfig });
    }, ringMs);
  });
}

// alice: calls `target`; talks for `talkMs` then hangs up, or cancels after `cancelMs`.
function call(ua, target, { talkMs = 3000, cancelMs = 0 } = {}) {
  return new Promise((resolve) => {
    const session = ua.call(`sip:${target}@${domain}`, {
      mediaStream: audioStream(),
      pcConfig,
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
    });
    session.on('progress', (e) => log(`alice: ${e.response ? e.response.status_code : ''} progress`));
    session.on('confirmed', () => {
      log('alice: call confirmed');
      setTimeout(() => session.terminate(), talkMs);
    });
    if (cancelMs) {
      session.once('progress', () => setTimeout(() => { if (!session.isEnded()) session.terminate(); }, cancelMs));
    }
    session.on('ended', (e) => { log(`alice: ended (${e.cause})`); resolve(e.cause); });
    session.on('failed', (e) => { log(`alice: failed (${e.cause})`); resolve(e.cause); });
  });
}

async function main() {
  const alice = makeUA('alice', false);
  const bob = makeUA('bob', true);
  switch (scenario) {
    case 'deflate-register':
      // ws compresses only messages of 1024 bytes or more by default: compress everything.
      globalThis.WebSocket = class extends WebSocket {
        constructor(url, protocols) {
          super(url, protocols, { perMessageDeflate: { threshold: 0 } });
        }
      };
    // fall through
    case 'register': {
      const a = makeUA('alice', true);
      await start(a, true);
      log('alice registered');
      await sleep(1000);
      await stop(a);
      log('alice unregistered and disconnected');
      return;
    }
    case 'answered':
    case 'rejected':
    case 'cancelled': {
      callee(bob, {
        rejectCode: scenario === 'rejected' ? 486 : 0,
        ringOnly: scenario === 'cancelled',
      });
      await start(bob, true);
      await start(alice, false);
      await call(alice, 'bob', { talkMs: 4000, cancelMs: scenario === 'cancelled' ? 2000 : 0 });
      await sleep(1000);
      await stop(alice);
      await stop(bob);
      return;
    }
    case 'two-legs': {
      await start(alice, false);
      await call(alice, '200', { talkMs: 3000 });
      await sleep(500);
      await call(alice, '486');
      await sleep(500);
      await call(alice, '180', { cancelMs: 1500 });
      await sleep(1000);
      await stop(alice);
      return;
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

main()
  .then(() => {
    for (const s of sources) { clearInterval(s.timer); s.track.stop(); }
    log('done');
    setTimeout(() => process.exit(0), 200);
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
