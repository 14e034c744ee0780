// Drives the map /carte in Debian's chromium (headless, software WebGL) with playwright-core,
// for tests/integration/test_map_browser.py, which starts it as
//   node tests/browser/carte.mjs SCENARIO < input.json
// The input names the server (`base`), the folder of the screenshots (`out`) and what the
// scenario needs; the scenario does what a person would, waits for states of the page
// (window.carte.state: what the map shows, for which filters), never for a fixed time, and
// prints what it saw as one JSON object. A scenario that fails prints the error and the
// browser's console on standard error and exits 1.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, request } from 'playwright-core';

const WAIT_MS = 30000;
const input = JSON.parse(readFileSync(0, 'utf8'));
const scenario = process.argv[2];
const consoleLines = [];

// ------------------------------------------------------------------ helpers

function query(filters) {
	const q = new URLSearchParams(filters || {}).toString();
	return q ? `?${q}` : '';
}

function mapUrl(filters, view) {
	return `${input.base}/carte${query(filters)}${view ? `#carte=${view}` : ''}`;
}

// The page shows, for its filters, a map such as `want` says: clusters (some), has (a report's
// id among the points), lacks (an id that is not), minZoom, status ({id, to}: that point's).
// A fixed predicate with data, since the page's Content-Security-Policy forbids compiling code.
async function shown(page, want) {
	await page.waitForFunction((w) => {
		const c = window.carte;
		const s = c && c.state.shown;
		if (!s || s.key !== c.filterKey())
			return false;
		const point = (id) => s.points.find((p) => p.id === id);
		return (!w.clusters || s.clusters.length > 0)
			&& (w.has === undefined || point(w.has) !== undefined)
			&& (w.lacks === undefined || point(w.lacks) === undefined)
			&& (w.minZoom === undefined || s.zoom >= w.minZoom)
			&& (w.status === undefined || point(w.status.id)?.status === w.status.to);
	}, want || {}, { timeout: WAIT_MS });
	return page.evaluate(() => window.carte.state.shown);
}

async function shot(page, name) {
	const path = join(input.out, `${scenario}-${name}.png`);
	await page.screenshot({ path });
	return path;
}

async function signIn(page) {
	await page.goto(`${input.base}/connexion?next=%2Fcarte`);
	await page.locator('input[name=token]').fill(input.token);
	await Promise.all([page.waitForURL(/\/carte/, { timeout: WAIT_MS }),
		page.locator('input[name=token]').press('Enter')]);
	await page.waitForFunction(() => window.carte && window.carte.state.staff,
		null, { timeout: WAIT_MS });
}

// Where a report is drawn: its point's pixel, and the pixel of its own position.
async function pointOf(page, id, lng, lat) {
	return page.evaluate(([id, lng, lat]) => {
		const { map } = window.carte;
		const f = map.queryRenderedFeatures({ layers: ['points'] })
			.find((g) => g.properties.id === id);
		if (!f)
			return null;
		const drawn = map.project(f.geometry.coordinates);
		const own = map.project([lng, lat]);
		const box = map.getCanvas().getBoundingClientRect();
		return { x: box.left + drawn.x, y: box.top + drawn.y,
			offset_px: Math.hypot(drawn.x - own.x, drawn.y - own.y),
			properties: f.properties };
	}, [id, lng, lat]);
}

async function text(page, selector) {
	return page.locator(selector).innerText();
}

async function axeViolations(page) {
	const require = createRequire(import.meta.url);
	const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
	await page.evaluate(source);
	const result = await page.evaluate(() => window.axe.run(document,
		{ runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
	return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}

// ------------------------------------------------------------------ scenarios

const scenarios = {
	// The public page, then the same after signing in through /connexion.
	async signin(page) {
		await page.goto(mapUrl(input.filters));
		await shown(page);
		const visible = async (id) => page.locator(`#${id}`).isVisible();
		const before = { connexion: await visible('connexion'), export: await visible('export'),
			staff_panel: await visible('equipe'), deconnexion: await visible('deconnexion') };
		await shot(page, 'public');
		await page.locator('#connexion').click();
		await page.waitForURL(/\/connexion/, { timeout: WAIT_MS });
		await shot(page, 'connexion');
		await page.locator('input[name=token]').fill(input.token);
		await Promise.all([page.waitForURL(/\/carte/, { timeout: WAIT_MS }),
			page.locator('input[name=token]').press('Enter')]);
		await page.waitForFunction(() => window.carte && window.carte.state.staff, null,
			{ timeout: WAIT_MS });
		await page.locator('#f-status').selectOption('open');
		await shown(page);
		const after = { connexion: await visible('connexion'), export: await visible('export'),
			staff_panel: await visible('equipe'), deconnexion: await visible('deconnexion'),
			who: await text(page, '#qui'),
			export_href: await page.locator('#export').getAttribute('href'),
			session: await page.evaluate(() => window.carte.state.staff) };
		await shot(page, 'equipe');
		const cookies = (await page.context().cookies()).map((c) => ({ name: c.name,
			httpOnly: c.httpOnly, sameSite: c.sameSite }));
		await Promise.all([page.waitForURL(/\/connexion/, { timeout: WAIT_MS }),
			page.locator('#deconnexion button').click()]);
		await page.goto(mapUrl());
		await page.waitForFunction(() => window.carte && window.carte.state.shown, null,
			{ timeout: WAIT_MS });
		const out = { connexion: await visible('connexion'), export: await visible('export'),
			staff: await page.evaluate(() => window.carte.state.staff) };
		return { before, after, cookies, signed_out: out };
	},

	// Clusters over Paris (the first view holds all of it), a click on one zooms in; zoomed on
	// the report, its point.
	async clusters(page) {
		const r = input.report;
		await page.goto(mapUrl(input.filters));
		const over = await shown(page, { clusters: true });
		const buttons = await page.locator('button.cluster').count();
		await shot(page, 'paris');
		const nearest = await page.evaluate(([lng, lat]) => {
			const { map } = window.carte;
			const own = map.project([lng, lat]);
			const far = (k) => Math.hypot(map.project([k.lng, k.lat]).x - own.x,
				map.project([k.lng, k.lat]).y - own.y);
			return [...window.carte.state.shown.clusters].sort((a, b) => far(a) - far(b))[0];
		}, [r.lon, r.lat]);
		const zoomBefore = over.zoom;
		await page.locator(`button.cluster[data-key="${nearest.key}"]`).click();
		const zoomed = await shown(page, { minZoom: zoomBefore + 1 });
		await shot(page, 'zoomed');
		await page.evaluate(([lng, lat]) => window.carte.map.jumpTo({ center: [lng, lat],
			zoom: 17 }), [r.lon, r.lat]);
		await shown(page, { has: r.id });
		const point = await pointOf(page, r.id, r.lon, r.lat);
		await shot(page, 'report');
		return { clusters: over.clusters, buttons, zoom_before: zoomBefore,
			zoom_after: zoomed.zoom, point, status_text: await text(page, '#etat') };
	},

	// A filter hides the report, the URL keeps it, and the shared URL shows the same view.
	async filter(page) {
		const r = input.report;
		await page.goto(mapUrl({}, `17/${r.lat}/${r.lon}`));
		await shown(page, { has: r.id });
		await page.locator('#f-top').selectOption(String(input.other_top));
		const hidden = await shown(page, { lacks: r.id });
		const url = page.url();
		const tiles = await page.evaluate(() => window.carte.map.getSource('reports').tiles[0]);
		await shot(page, 'hidden');
		const shared = await page.context().newPage();
		await shared.goto(url);
		const again = await shown(shared);
		const sharedView = await shared.evaluate(() => ({
			top: document.getElementById('f-top').value,
			zoom: window.carte.map.getZoom(),
			center: window.carte.map.getCenter().toArray(),
		}));
		await shared.close();
		await page.locator('#f-top').selectOption(String(input.own_top));
		await shown(page, { has: r.id });
		await shot(page, 'shown');
		return { hidden_points: hidden.points.map((p) => p.id), url, tiles,
			shared: { ...sharedView, key: again.key, ids: again.points.map((p) => p.id) },
			search_after: new URL(page.url()).search };
	},

	// A click on the point opens its panel; Escape closes it; the list opens it by keyboard.
	async panel(page) {
		const r = input.report;
		if (input.token)
			await signIn(page);
		await page.goto(mapUrl({}, `17/${r.lat}/${r.lon}`));
		await shown(page, { has: r.id });
		const point = await pointOf(page, r.id, r.lon, r.lat);
		await page.mouse.click(point.x, point.y);
		await page.waitForFunction((n) => document.getElementById('fiche-titre').textContent
			.includes(n), r.number, { timeout: WAIT_MS });
		await page.locator('#fiche .history li').first().waitFor({ timeout: WAIT_MS });
		const facts = await page.evaluate(() => Object.fromEntries(
			[...document.querySelectorAll('#fiche dt')].map((dt) => [dt.textContent,
				dt.nextElementSibling.textContent])));
		const panel = {
			title: await text(page, '#fiche-titre'), facts,
			history: await page.locator('#fiche .history li').allInnerTexts(),
			thumbnail: await page.locator('#fiche img.thumb').getAttribute('src')
				.catch(() => null),
			links: await page.locator('#fiche-contenu a').evaluateAll((as) => as.map((a) => ({
				text: a.textContent, href: a.getAttribute('href') }))),
			focus_inside: await page.evaluate(() => document.getElementById('fiche')
				.contains(document.activeElement)),
		};
		await shot(page, 'fiche');
		await page.keyboard.press('Escape');
		const closed = await page.locator('#fiche').isHidden();
		const item = page.locator('#visibles-liste button', { hasText: r.number });
		await item.focus();
		await page.keyboard.press('Enter');
		await page.waitForFunction((n) => !document.getElementById('fiche').hidden
			&& document.getElementById('fiche-titre').textContent.includes(n), r.number,
		{ timeout: WAIT_MS });
		await page.keyboard.press('Escape');
		const focusBack = await page.evaluate((n) => document.activeElement.textContent
			.startsWith(n), r.number);
		return { panel, closed, keyboard: { opened: true, focus_back: focusBack } };
	},

	// The dashboard's tables, and the arrondissements' shading, for some filters.
	async stats(page) {
		await page.goto(mapUrl(input.filters));
		await page.waitForFunction(() => window.carte && window.carte.state.statsShown
			=== window.carte.filterKey(), null, { timeout: WAIT_MS });
		await shown(page);
		const table = (id) => page.evaluate((id) => [...document.querySelectorAll(
			`#${id} tbody tr`)].map((tr) => ({ key: tr.dataset.key, cells: Object.fromEntries(
			[...tr.querySelectorAll('td')].map((td) => [td.dataset.col,
				td.dataset.value === '' ? null : Number(td.dataset.value)])),
			text: tr.innerText })), id);
		const shading = async () => ({
			color: await page.evaluate(() => window.carte.map.getPaintProperty(
				'arrondissements-teinte', 'fill-color')),
			legend: await page.locator('#legende-teinte li').allInnerTexts(),
			url: page.url() });
		const out = { service: await table('par-service'),
			arrondissement: await table('par-arrondissement'), open: await shading() };
		await page.locator('#tableau').scrollIntoViewIfNeeded();
		await shot(page, 'tableau');
		await page.locator('#t-overdue').check();
		out.overdue = await shading();
		await page.locator('#t-none').check();
		out.none = await shading();
		return out;
	},

	// axe-core on the public page, with a report's panel open, and on the staff's page.
	async axe(page) {
		const r = input.report;
		await page.goto(mapUrl({}, `17/${r.lat}/${r.lon}`));
		await shown(page, { has: r.id });
		const out = { public: await axeViolations(page) };
		await page.locator('#visibles-liste button', { hasText: r.number }).click();
		await page.locator('#fiche .history li').first().waitFor({ timeout: WAIT_MS });
		out.panel = await axeViolations(page);
		await signIn(page);
		await shown(page);
		out.staff = await axeViolations(page);
		return out;
	},

	// A basemap (DMR_BASEMAP_STYLE): its layers under the map's own, its requests allowed.
	async basemap(page) {
		await page.goto(mapUrl());
		await shown(page, { clusters: true });
		await shot(page, 'fond');
		return page.evaluate(() => ({
			layers: window.carte.map.getStyle().layers.map((l) => l.id),
			background: window.carte.map.getPaintProperty('fond-de-plan', 'background-color'),
		}));
	},

	// Live: a report created, then moved by an agent (`mover`, a token), shows on the staff's
	// map without reload.
	async live(page) {
		const at = input.at;
		await signIn(page);
		await page.goto(mapUrl({}, `17/${at.lat}/${at.lon}`));
		await shown(page);
		await page.waitForFunction(() => document.getElementById('direct').textContent
			.startsWith('En direct'), null, { timeout: WAIT_MS });
		await page.evaluate(() => { window.notReloaded = true; });
		const api = await request.newContext({ baseURL: input.base });
		const created = await api.post('/api/v1/reports', { data: { category_id:
			input.category_id, lat: at.lat, lon: at.lon } });
		const report = await created.json();
		if (created.status() !== 201)
			throw new Error(`creating a report: HTTP ${created.status()} ${JSON.stringify(report)}`);
		const appeared = await shown(page, { has: report.id });
		await shot(page, 'created');
		const moved = await api.post(`/api/v1/reports/${report.id}/transitions`, {
			headers: { Authorization: `Bearer ${input.mover}` },
			data: { to: 'acknowledged' } });
		if (moved.status() !== 200)
			throw new Error(`moving the report: HTTP ${moved.status()} ${await moved.text()}`);
		const after = await shown(page, { status: { id: report.id, to: 'acknowledged' } });
		await api.dispose();
		return { id: report.id, created_status: created.status(), moved_status: moved.status(),
			appeared: appeared.points.find((p) => p.id === report.id),
			after: after.points.find((p) => p.id === report.id),
			not_reloaded: await page.evaluate(() => window.notReloaded === true) };
	},
};

// ------------------------------------------------------------------ main

async function main() {
	if (!scenarios[scenario])
		throw new Error(`unknown scenario ${scenario}: ${Object.keys(scenarios).join(', ')}`);
	const browser = await chromium.launch({
		executablePath: input.chromium || '/usr/bin/chromium',
		headless: true,
		args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-sandbox',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			'--no-first-run', '--disable-quic', '--lang=fr-FR'],
	});
	let page;
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 },
			locale: 'fr-FR', timezoneId: 'Europe/Paris' });
		page = await context.newPage();
		page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
		page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
		page.on('response', (r) => {
			if (r.status() >= 400)
				consoleLines.push(`HTTP ${r.status()} ${r.url()}`);
		});
		const seen = await scenarios[scenario](page);
		process.stdout.write(`${JSON.stringify({ ...seen, console: consoleLines })}\n`);
	} catch (err) {
		if (page)
			await shot(page, 'failed').catch(() => {});
		process.stderr.write(`${scenario}: ${err.stack || err}\n`
			+ `page: ${page ? page.url() : '(none)'}\nbrowser console:\n`
			+ `${consoleLines.map((l) => `  ${l}`).join('\n')}\n`);
		process.exitCode = 1;
	} finally {
		await browser.close();
	}
}

await main();
