'use strict';
// Drives one or two headless Chromium browsers, each inside its own network namespace, running
// JsSIP (page.js) against Kamailio over ws://. Used by ../make_media_samples.sh.
//
//   node drive.js --scenario NAME [--ws ws://10.47.0.10:8080] [--domain 10.47.0.10]
//                 [--ns-a ma] [--ns-b mb] [--talk 5000] [--hook CMD --hook-delay MS]
//                 [--stats-out FILE] [--bundle jssip.bundle.js]
// Environment: LOG_SDP=1 puts the SDP text into the logged JsSIP "sdp" events.
//
// Scenarios:
//   p2p          alice (ns-a) calls bob (ns-b), bob answers, audio for --talk ms, alice hangs up
//   one-way      same, CMD (--hook) runs --hook-delay ms after ICE connected (make_media_samples.sh
//                passes an nft command that drops bob's SRTP)
//   ice-fail     same as p2p, but waits for ICE to fail (nft rules are set before the call)
//                or --talk ms, whichever comes first, then hangs up
//   fingerprint  alice mangles the a=fingerprint of her offer; waits for DTLS to fail, then hangs up
//   hold         p2p, then alice holds (re-INVITE a=sendonly), unholds (sendrecv), hangs up
//   bridge       only alice: she calls sip:sipp@DOMAIN (Kamailio + rtpengine to a SIPp UAS)
const path = require('path');
const fs = require('fs');
const { execSync } = require('child_process');
const puppeteer = require('puppeteer-core');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const scenario = arg('scenario', 'p2p');
const wsUrl = arg('ws', 'ws://10.47.0.10:8080');
const domain = arg('domain', '10.47.0.10');
const nsA = arg('ns-a', 'ma');
const nsB = arg('ns-b', 'mb');
const talk = Number(arg('talk', '5000'));
const hook = arg('hook', '');
const hookDelay = Number(arg('hook-delay', '2000'));
const statsOut = arg('stats-out', '');
const bundle = arg('bundle', path.join(__dirname, 'jssip.bundle.js'));

const T0 = Date.now();
const log = (...a) => console.log(`[+${((Date.now() - T0) / 1000).toFixed(2)}s] [${scenario}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const PAGE = '<!doctype html><meta charset="utf-8"><title>sipws media sample</title>' +
  '<script src="/jssip.bundle.js"></script><script src="/page.js"></script>';

async function launch(name, ns) {
  const dir = fs.mkdtempSync(`/tmp/sipws-media-chromium-${name}-`);
  const browser = await puppeteer.launch({
    executablePath: path.join(__dirname, 'chromium-netns.sh'),
    env: Object.assign({}, process.env, { MEDIA_NETNS: ns }),
    pipe: true,
    ignoreDefaultArgs: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--mute-audio', '--no-default-browser-check',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      '--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets,LocalNetworkAccessChecksWebRTC,MediaRouter,OptimizationHints,Translate',
      '--remote-debugging-pipe', `--user-data-dir=${dir}`, 'about:blank',
    ],
    protocolTimeout: 60000,
  });
  const [page] = await browser.pages();
  page.on('console', (m) => log(`${name} console:`, m.text()));
  page.on('pageerror', (e) => log(`${name} pageerror:`, String(e)));
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.hostname !== 'localhost') return req.abort();
    if (u.pathname === '/') return req.respond({ status: 200, contentType: 'text/html', body: PAGE });
    if (u.pathname === '/jssip.bundle.js') return req.respond({ status: 200, contentType: 'text/javascript', body: fs.readFileSync(bundle) });
    if (u.pathname === '/page.js') return req.respond({ status: 200, contentType: 'text/javascript', body: fs.readFileSync(path.join(__dirname, 'page.js')) });
    return req.respond({ status: 404, body: '' });
  });
  await page.goto('http://localhost/');
  await page.waitForFunction(() => window.sample !== undefined, { timeout: 20000 });
  const version = await browser.version();
  log(`${name}: ${version} in netns ${ns}`);
  return { name, browser, page, dir, version, seen: 0 };
}

async function events(p) {
  const evs = await p.page.evaluate(() => window.sample.events.slice());
  for (const e of evs.slice(p.seen)) log(`${p.name}:`, JSON.stringify(e));
  p.seen = evs.length;
  return evs;
}

async function waitFor(p, pred, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const evs = await events(p);
    const hit = evs.find(pred);
    if (hit) return hit;
    if (Date.now() > end) { log(`${p.name}: timeout waiting for ${what}`); return null; }
    await sleep(100);
  }
}

const isIce = (st) => (e) => e.what === 'ice' && st.includes(e.state);

async function main() {
  const peers = [];
  let exitCode = 0;
  try {
    const A = await launch('alice', nsA);
    peers.push(A);
    let B = null;
    if (scenario !== 'bridge') {
      B = await launch('bob', nsB);
      peers.push(B);
      await B.page.evaluate((o) => window.sample.start(o), { ws: wsUrl, domain, user: 'bob', answerDelay: 700 });
    }
    await A.page.evaluate((o) => window.sample.start(o), {
      ws: wsUrl, domain, user: 'alice', mangleFingerprint: scenario === 'fingerprint', logSdp: !!process.env.LOG_SDP,
      bundlePolicy: scenario === 'bridge' ? 'balanced' : 'max-bundle',
    });
    await sleep(300);
    const target = scenario === 'bridge' ? `sip:sipp@${domain}` : `sip:bob@${domain}`;
    await A.page.evaluate((t) => window.sample.call(t), target);
    const ok = await waitFor(A, (e) => e.what === 'confirmed' || e.what === 'failed', 20000, 'confirmed');
    if (!ok || ok.what === 'failed') throw new Error('call not confirmed');
    if (B) await waitFor(B, (e) => e.what === 'confirmed', 5000, 'bob confirmed');

    if (scenario === 'ice-fail' || scenario === 'fingerprint') {
      // Wait for the failure (ICE checks time out / DTLS alert), at most --talk ms.
      const end = Date.now() + talk;
      while (Date.now() < end) {
        const ea = await events(A);
        const eb = B ? await events(B) : [];
        if ([...ea, ...eb].some((e) => e.what === 'pc' && e.state === 'failed')) { await sleep(1000); break; }
        await sleep(200);
      }
    } else {
      const up = await waitFor(A, isIce(['connected', 'completed']), 10000, 'ICE connected');
      if (!up) throw new Error('ICE did not connect');
      const tUp = Date.now();
      if (scenario === 'one-way' && hook) {
        await sleep(hookDelay);
        log(`hook: ${hook}`);
        execSync(hook, { stdio: 'inherit' });
      }
      if (scenario === 'hold') {
        await sleep(2000);
        log('alice: hold');
        await A.page.evaluate(() => window.sample.hold());
        await waitFor(A, (e) => e.what === 'hold', 5000, 'hold');
        await sleep(2500);
        log('alice: unhold');
        await A.page.evaluate(() => window.sample.unhold());
        await waitFor(A, (e) => e.what === 'unhold', 5000, 'unhold');
        await sleep(2500);
      }
      const rest = talk - (Date.now() - tUp);
      if (rest > 0) await sleep(rest);
    }
    const stats = {};
    for (const p of peers) stats[p.name] = { version: p.version, state: await p.page.evaluate(() => window.sample.pcState()), stats: await p.page.evaluate(() => window.sample.stats()) };
    log('stats', JSON.stringify(stats));
    if (statsOut) fs.writeFileSync(statsOut, JSON.stringify(stats, null, 2) + '\n');
    log('alice: hangup');
    await A.page.evaluate(() => window.sample.hangup());
    if (B) await waitFor(B, (e) => e.what === 'ended', 5000, 'bob ended');
    await waitFor(A, (e) => e.what === 'ended', 5000, 'alice ended');
    await sleep(500);
    for (const p of peers) await p.page.evaluate(() => window.sample.stop());
    for (const p of peers) await events(p);
  } catch (err) {
    log('ERROR', err && err.stack || String(err));
    exitCode = 1;
  } finally {
    for (const p of peers) {
      try { await p.browser.close(); } catch (e) { /* already gone */ }
      fs.rmSync(p.dir, { recursive: true, force: true });
    }
  }
  process.exit(exitCode);
}

main();
