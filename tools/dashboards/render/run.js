// Render Dashboard Studio views in headless Chromium with Splunk's own framework and report what
// the browser shows. The checks that fail the build live in tests/package/test_render_dashboards.py;
// this script only collects facts (and takes screenshots).
//
// Usage: node run.js --fixtures fixtures.json --report report.json [--screenshots DIR] [--views a,b]
//        node run.js --fixtures fixtures.json --serve 1   (serve the pages for a look; no browser)
//   fixtures.json: {"<view>": {"<data source id>": {"fields": [...], "columns": [[...], ...]}}}
//   report.json:   {"<view>": {pageErrors, queries, missing, panels, inputs, offsite, links, ...}}
// Chromium: $CHROMIUM or /usr/bin/chromium. Nothing is fetched from anywhere but 127.0.0.1.
'use strict';
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const esbuild = require('esbuild');
const puppeteer = require('puppeteer-core');
const { fakeSplunkd } = require('./splunkweb');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..', '..', '..');
const VIEWS = path.join(ROOT, 'default', 'data', 'ui', 'views');
const APP = 'dsdl_modelops';
const WIDTH = 1400;
const HEIGHT = 1000;

function args(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
    return out;
}

function definitionOf(view) {
    // Exactly what Splunk reads: the JSON inside the view's <definition><![CDATA[...]]>.
    const xml = fs.readFileSync(path.join(VIEWS, view + '.xml'), 'utf8');
    const match = xml.match(/<definition><!\[CDATA\[([\s\S]*?)\]\]><\/definition>/);
    if (!match) throw new Error(view + ': no <definition><![CDATA[...]]></definition>');
    return JSON.parse(match[1]);
}

async function bundle(outdir) {
    await esbuild.build({
        entryPoints: [path.join(HERE, 'page.jsx')],
        bundle: true,
        outfile: path.join(outdir, 'page.js'),
        format: 'iife',
        jsx: 'automatic',
        loader: { '.js': 'jsx' },
        define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
        minify: !process.env.RENDER_DEBUG,
        sourcemap: process.env.RENDER_DEBUG ? 'inline' : false,
        logLevel: 'error',
        absWorkingDir: HERE,
    });
    return fs.readFileSync(path.join(outdir, 'page.js'));
}

function pageHtml(view, definition, fixtures, port) {
    const config = {
        SPLUNKD_PATH: '/en-US/splunkd/__raw',
        MRSPARKLE_ROOT_PATH: '',
        MRSPARKLE_PORT_NUMBER: String(port),
        LOCALE: 'en-US',
        USERNAME: 'admin',
        APP: APP,
        VERSION_LABEL: '9.4.0',
        SERVER_ZONEINFO: '### SERIALIZED TIMEZONE FORMAT 1.0;Y0 NW 55 54 43;$',
    };
    const state = { view, definition, fixtures: fixtures || {}, queries: [], missing: [], links: [] };
    const json = (value) => JSON.stringify(value).replace(/</g, '\\u003c');
    return `<!doctype html><html><head><meta charset="utf-8"><title>${view}</title>
<style>html,body{margin:0;background:#fff}</style>
<script>window.$C = ${json(config)}; window.__render = ${json(state)};</script>
</head><body><div id="root"></div><script src="/static/render/page.js"></script></body></html>`;
}

function serve(script, fixtures, definitions) {
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://127.0.0.1');
        const send = (status, type, body) => {
            res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
            res.end(body);
        };
        if (url.pathname === '/static/render/page.js') return send(200, 'application/javascript', script);
        const view = url.pathname.match(/^\/en-US\/app\/dsdl_modelops\/([a-z0-9_]+)$/);
        if (view && definitions[view[1]]) {
            return send(200, 'text/html', pageHtml(view[1], definitions[view[1]], fixtures[view[1]],
                server.address().port));
        }
        if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
        if (url.pathname === `/en-US/app/${APP}/search`) {
            // Where drilldown.linkToSearch lands: Splunk's search page, here a page that shows the query.
            return send(200, 'text/html', '<pre id="q"></pre>');
        }
        const answer = fakeSplunkd(url);
        if (answer) return send(200, 'application/json', JSON.stringify(answer));
        return send(404, 'text/plain', 'not here: ' + url.pathname);
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// --- what the browser shows -------------------------------------------------------------------

// Runs in the page: what each panel and input shows, read from the rendered DOM.
function inspectPage() {
    const text = (el) => (el ? (el.innerText || el.textContent || '').trim() : '');
    const panels = {};
    for (const el of document.querySelectorAll('[data-test="viz-item"][data-id]')) {
        const waiting = el.querySelector('[data-test="viz-waiting-for-input"]');
        const overflow = [];
        for (const scroller of el.querySelectorAll('[data-test="scroll-container"], [data-test="table-container"]')) {
            if (scroller.scrollWidth > scroller.clientWidth + 1) {
                overflow.push({ scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth });
            }
        }
        const headers = [...el.querySelectorAll('[data-test="head-cell"]')].map((h) => h.getAttribute('data-test-label'));
        const box = el.getBoundingClientRect();
        panels[el.getAttribute('data-id')] = {
            type: el.getAttribute('data-viz-type'),
            title: text(el.querySelector('[data-test="viz-title"]')),
            text: text(el).slice(0, 2000),
            message: waiting ? text(waiting) || 'waiting' : null,
            error: !!el.querySelector('[data-test="status-icon-container"] [data-test="simple-status-icon-container"]'),
            overflow,
            headers,
            rows: el.querySelectorAll('[data-test="cell"][data-col-index="0"]').length,
            width: Math.round(box.width),
            height: Math.round(box.height),
        };
    }
    const inputs = {};
    for (const el of document.querySelectorAll('[data-test="input-item"][data-input-id]')) {
        inputs[el.getAttribute('data-input-id')] = { type: el.getAttribute('data-input-type'), text: text(el) };
    }
    return { panels, inputs, body: text(document.body).slice(0, 6000) };
}

async function settle(page, timeoutMs) {
    // Done when the recorded queries and the DOM stop changing for a while (or at the timeout).
    const start = Date.now();
    let last = '';
    let stableSince = Date.now();
    while (Date.now() - start < timeoutMs) {
        const now = await page.evaluate(
            () => window.__render.queries.length + '|' + document.body.innerHTML.length
        );
        if (now !== last) {
            last = now;
            stableSince = Date.now();
        } else if (Date.now() - stableSince > 1000) {
            return true;
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    return false;
}

async function renderView(browser, base, view, definition, screenshots) {
    const page = await browser.newPage();
    await page.setViewport({ width: WIDTH, height: HEIGHT });
    const result = { pageErrors: [], console: [], offsite: [], settled: false };
    result.dialogs = [];
    page.on('dialog', (d) => {
        result.dialogs.push(d.message());
        d.dismiss().catch(() => {});
    });
    page.on('pageerror', (e) => result.pageErrors.push(String(e && e.message ? e.message : e)));
    page.on('console', (m) => {
        if (m.type() === 'error') {
            Promise.all(m.args().map((a) => a.evaluate((v) => (v && v.stack) || String(v)).catch(() => '?')))
                .then((parts) => result.console.push(m.text() + ' ' + parts.join(' ')));
        }
    });
    page.on('response', (r) => {
        if (r.status() >= 400) result.console.push('HTTP ' + r.status() + ' ' + r.url());
    });
    // A drilldown in a new tab would open a window that steals the renderer's frames: record it instead.
    await page.evaluateOnNewDocument(() => {
        window.open = (url) => {
            window.__opened = (window.__opened || []).concat([String(url)]);
            return null;
        };
    });
    await page.setRequestInterception(true);
    page.on('request', (req) => {
        const url = new URL(req.url());
        if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') {
            return req.continue();
        }
        result.offsite.push(req.url());
        return req.abort();
    });
    await page.goto(`${base}/en-US/app/${APP}/${view}`, { waitUntil: 'load' });
    result.settled = await settle(page, 30000);
    if (process.env.RENDER_DEBUG) console.error(view, 'settled', result.settled);
    Object.assign(result, await page.evaluate(inspectPage));
    const state = await page.evaluate(() => ({ queries: window.__render.queries, missing: window.__render.missing }));
    Object.assign(result, state);
    if (screenshots) await screenshot(page, view, screenshots);
    result.links = await clickLinksToSearch(page, definition);
    await page.close();
    return result;
}

async function screenshot(page, view, folder) {
    // A full-page capture blanks the panels: grow the viewport to the page, let it redraw, capture.
    const height = await page.evaluate(() => Math.max(document.body.scrollHeight, 1000));
    await page.setViewport({ width: WIDTH, height });
    await settle(page, 10000);
    fs.mkdirSync(folder, { recursive: true });
    await page.screenshot({ path: path.join(folder, view + '.png') });
}

// Click the first row of every panel whose drilldown opens a search; report the searches opened.
async function clickLinksToSearch(page, definition) {
    const links = {};
    for (const [id, viz] of Object.entries(definition.visualizations || {})) {
        if (!(viz.eventHandlers || []).some((h) => h.type === 'drilldown.linkToSearch')) continue;
        const cell = await page.$(`[data-test="viz-item"][data-id="${id}"] [data-test="cell"][data-row-index="0"]`);
        if (!cell) {
            links[id] = { error: 'no row to click' };
            continue;
        }
        const before = await page.evaluate(() => window.__render.links.length);
        if (process.env.RENDER_DEBUG) console.error('click', id);
        await cell.click();
        await new Promise((r) => setTimeout(r, 500));
        const made = await page.evaluate((n) => window.__render.links.slice(n), before);
        const opened = await page.evaluate(() => (window.__opened || []).splice(0));
        links[id] = { clicked: made, opened };
    }
    return links;
}

async function main() {
    const opts = args(process.argv.slice(2));
    const fixtures = JSON.parse(fs.readFileSync(opts.fixtures, 'utf8')).views;
    const views = opts.views
        ? opts.views.split(',')
        : fs.readdirSync(VIEWS).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
    const definitions = Object.fromEntries(views.map((v) => [v, definitionOf(v)]));
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-'));
    const script = await bundle(outdir);
    const server = await serve(script, fixtures, definitions);
    const base = `http://127.0.0.1:${server.address().port}`;
    if (opts.serve) {
        // Debugging: keep serving the pages (open ${base}/en-US/app/dsdl_modelops/<view>).
        console.log(base);
        return;
    }
    const browser = await puppeteer.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        protocolTimeout: 60000,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'],
    });
    const report = {};
    try {
        for (const view of views) {
            report[view] = await renderView(browser, base, view, definitions[view], opts.screenshots);
        }
    } finally {
        await browser.close();
        server.close();
        fs.rmSync(outdir, { recursive: true, force: true });
    }
    fs.writeFileSync(opts.report, JSON.stringify(report, null, 2));
}

main().catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(2);
});
