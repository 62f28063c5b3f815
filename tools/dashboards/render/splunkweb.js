// The three splunkd calls Splunk Web's time picker makes (through /<locale>/splunkd/__raw), answered
// locally. Without them the picker shows "Cannot access splunkweb".
'use strict';

const TIMES = [
    ['Last 15 minutes', '-15m', 'now', 10],
    ['Last 60 minutes', '-60m@m', 'now', 20],
    ['Last 4 hours', '-4h@m', 'now', 30],
    ['Last 24 hours', '-24h@h', 'now', 40],
    ['Last 7 days', '-7d@h', 'now', 50],
    ['Last 30 days', '-30d@d', 'now', 60],
    ['All time', '0', '', 70],
];

const UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

// Enough of splunkd's relative time syntax for the presets above: -<n><unit>[@<unit>], now, epoch.
function parseTime(text, now) {
    if (text === 'now' || text === '') return now;
    if (/^\d+(\.\d+)?$/.test(text)) return new Date(parseFloat(text) * 1000);
    const m = text.match(/^([+-]\d+)([smhdw])(?:@([smhdw]))?$/);
    if (!m) return null;
    let seconds = now.getTime() / 1000 + parseInt(m[1], 10) * UNITS[m[2]];
    if (m[3]) seconds -= seconds % UNITS[m[3]];
    return new Date(seconds * 1000);
}

function iso(date) {
    return date.toISOString().replace('Z', '+00:00');
}

function fakeSplunkd(url) {
    const rest = url.pathname.replace(/^\/en-US\/splunkd\/__raw\/services(NS\/[^/]+\/[^/]+)?\//, '');
    if (rest === url.pathname) return null;
    if (rest === 'authentication/current-context') {
        return { entry: [{ name: 'admin', content: { username: 'admin', capabilities: ['search', 'rtsearch'] } }] };
    }
    if (rest === 'data/ui/times') {
        return {
            entry: TIMES.map(([label, earliest, latest, order]) => ({
                name: label,
                content: { label, earliest_time: earliest, latest_time: latest, order, disabled: false },
            })),
        };
    }
    if (rest === 'search/timeparser') {
        const times = url.searchParams.getAll('time');
        const now = new Date();
        const out = {};
        for (const t of times) {
            const parsed = parseTime(t, now);
            if (parsed) out[t] = iso(parsed);
        }
        return out;
    }
    return null;
}

module.exports = { fakeSplunkd, parseTime };
