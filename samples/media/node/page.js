'use strict';
// Runs inside headless Chromium, next to the JsSIP bundle (drive.js serves both as
// http://localhost/ through request interception, so the page is a secure context and
// getUserMedia works). drive.js calls the functions on window.sample and polls window.sample.events.
(function () {
  const events = [];
  const t0 = performance.now();
  const ev = (what, extra) => events.push(Object.assign({ t: Math.round(performance.now() - t0), what }, extra || {}));
  let ua = null;
  let session = null;
  let opts = {};

  // Flip one hex digit of the first a=fingerprint line, so the peer's DTLS check must fail.
  function mangleFingerprint(sdp) {
    return sdp.replace(/(a=fingerprint:sha-256 )([0-9A-F])/, (m, p, c) => p + (c === '0' ? '1' : '0'));
  }

  function watchSession(s) {
    session = s;
    s.on('sdp', (e) => {
      if (e.originator === 'local' && opts.mangleFingerprint) {
        e.sdp = mangleFingerprint(e.sdp);
        ev('sdp-mangled', { type: e.type });
      }
      ev('sdp', { originator: e.originator, type: e.type, sdp: opts.logSdp ? e.sdp : undefined });
    });
    s.on('progress', () => ev('progress'));
    s.on('accepted', () => ev('accepted'));
    s.on('confirmed', () => ev('confirmed'));
    s.on('hold', (e) => ev('hold', { originator: e.originator }));
    s.on('unhold', (e) => ev('unhold', { originator: e.originator }));
    s.on('ended', (e) => ev('ended', { cause: e.cause, originator: e.originator }));
    s.on('failed', (e) => ev('failed', { cause: e.cause, originator: e.originator }));
    s.on('peerconnection', (e) => hookPc(e.peerconnection));
    s.on('peerconnection:setremotedescriptionfailed', (err) => ev('setremotedescriptionfailed', { msg: String(err) }));
    s.on('peerconnection:setlocaldescriptionfailed', (err) => ev('setlocaldescriptionfailed', { msg: String(err) }));
    if (s.connection) hookPc(s.connection);
  }

  function hookPc(pc) {
    if (pc.__hooked) return;
    pc.__hooked = true;
    pc.addEventListener('iceconnectionstatechange', () => ev('ice', { state: pc.iceConnectionState }));
    pc.addEventListener('connectionstatechange', () => ev('pc', { state: pc.connectionState }));
    pc.addEventListener('track', (e) => {
      // Play the remote audio into a muted element so the receive pipeline is fully active.
      const a = new Audio();
      a.muted = true;
      a.srcObject = e.streams[0] || new MediaStream([e.track]);
      a.play().catch(() => {});
      ev('remote-track', { kind: e.track.kind });
    });
  }

  async function localStream() {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  }

  // max-bundle between browsers; the bridge scenario uses the browser's default 'balanced', because
  // rtpengine 10.5 answers without a=group:BUNDLE, which Chromium refuses under max-bundle.
  const pcConfig = () => ({ iceServers: [], bundlePolicy: opts.bundlePolicy || 'max-bundle', rtcpMuxPolicy: 'require' });

  window.sample = {
    events,
    // Connect over WebSocket and REGISTER as USER@DOMAIN.
    start(o) {
      opts = o;
      return new Promise((resolve, reject) => {
        const socket = new JsSIP.WebSocketInterface(o.ws);
        ua = new JsSIP.UA({
          sockets: [socket],
          uri: `sip:${o.user}@${o.domain}`,
          display_name: o.user[0].toUpperCase() + o.user.slice(1),
          register: true,
          register_expires: 600,
          session_timers: false,
          user_agent: `JsSIP ${JsSIP.version} (${navigator.userAgent.match(/Chrom\w*\/[\d.]+/)}, sipws media samples)`,
        });
        ua.on('registered', () => { ev('registered'); resolve(); });
        ua.on('registrationFailed', (e) => { ev('registrationFailed', { cause: e.cause }); reject(new Error(e.cause)); });
        ua.on('unregistered', () => ev('unregistered'));
        ua.on('newRTCSession', async ({ session: s, originator }) => {
          ev('newRTCSession', { originator });
          if (originator !== 'remote') return;
          watchSession(s);
          const stream = await localStream();
          setTimeout(() => {
            try {
              s.answer({ mediaStream: stream, pcConfig: pcConfig() });
              ev('answer-sent');
            } catch (err) { ev('error', { msg: String(err) }); }
          }, o.answerDelay || 500);
        });
        ua.start();
      });
    },
    async call(target) {
      const stream = await localStream();
      const s = ua.call(target, { mediaStream: stream, pcConfig: pcConfig(), rtcOfferConstraints: { offerToReceiveAudio: true } });
      watchSession(s);
      ev('calling', { target });
    },
    hangup() { if (session && !session.isEnded()) session.terminate(); },
    hold() { session.hold({ useUpdate: false }); },
    unhold() { session.unhold(); },
    stop() { return new Promise((r) => { if (!ua) return r(); ua.on('unregistered', () => r()); ua.stop(); setTimeout(r, 3000); }); },
    pcState() {
      const pc = session && session.connection;
      return pc ? { ice: pc.iceConnectionState, pc: pc.connectionState } : null;
    },
    // A short summary of getStats(): selected pair, DTLS/SRTP parameters, RTP counters.
    async stats() {
      const pc = session && session.connection;
      if (!pc) return null;
      const rep = await pc.getStats();
      const out = { transport: [], pair: [], local: {}, remote: {}, inbound: [], outbound: [], remoteInbound: [] };
      rep.forEach((r) => {
        if (r.type === 'transport') out.transport.push({ dtlsState: r.dtlsState, tlsVersion: r.tlsVersion, dtlsCipher: r.dtlsCipher, srtpCipher: r.srtpCipher, dtlsRole: r.dtlsRole, iceRole: r.iceRole, selected: r.selectedCandidatePairId, packetsSent: r.packetsSent, packetsReceived: r.packetsReceived });
        if (r.type === 'candidate-pair' && (r.nominated || r.state === 'succeeded')) out.pair.push({ id: r.id, state: r.state, nominated: r.nominated, local: r.localCandidateId, remote: r.remoteCandidateId, requestsSent: r.requestsSent, responsesReceived: r.responsesReceived });
        if (r.type === 'local-candidate') out.local[r.id] = `${r.protocol} ${r.address}:${r.port} ${r.candidateType}`;
        if (r.type === 'remote-candidate') out.remote[r.id] = `${r.protocol} ${r.address}:${r.port} ${r.candidateType}`;
        if (r.type === 'inbound-rtp') out.inbound.push({ ssrc: r.ssrc, packetsReceived: r.packetsReceived, packetsLost: r.packetsLost, jitter: r.jitter, codecId: r.codecId });
        if (r.type === 'outbound-rtp') out.outbound.push({ ssrc: r.ssrc, packetsSent: r.packetsSent, bytesSent: r.bytesSent });
        if (r.type === 'remote-inbound-rtp') out.remoteInbound.push({ ssrc: r.ssrc, packetsLost: r.packetsLost, fractionLost: r.fractionLost });
        if (r.type === 'codec') out[`codec ${r.id}`] = `${r.payloadType} ${r.mimeType}/${r.clockRate}`;
      });
      return out;
    },
  };
  ev('page-ready', { jssip: JsSIP.version });
})();
