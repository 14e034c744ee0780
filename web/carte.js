// The map /carte: the reports of Paris on MapLibre GL JS, over the server's own area tiles.
// Everything it shows comes from this server's API (docs/web.md): the tiles of the areas and
// of the reports, the statistics, the categories and services, the report a click opens, the
// caller's session and, for the staff, the live stream of report events. The filters of the
// form go, as query parameters, into every one of those URLs and into the page's own URL, with
// the view (#carte=zoom/lat/lon), so that a view can be shared.
import * as maplibregl from '/static/vendor/maplibre-gl/maplibre-gl.mjs';

const API = '/api/v1';
// The report tiles hold single reports from this zoom on, and clusters below it.
const REPORT_ZOOM = 15;
// Paris, woods included: the first view, whatever the size of the screen.
const PARIS = [[2.224, 48.815], [2.470, 48.903]];
const BOUNDS = [[2.05, 48.70], [2.65, 49.01]];
const FILTERS = ['status', 'service', 'top_category', 'category', 'arrondissement', 'since',
	'until', 'overdue'];
// The statuses in Dans ma rue's words, and their colours on the map.
const STATUSES = {
	new: { label: 'Nouveau', color: '#b3124e' },
	acknowledged: { label: 'À traiter', color: '#c43c00' },
	scheduled: { label: 'Service programmé', color: '#1259a8' },
	transferred: { label: 'Transféré à un tiers', color: '#6a1b9a' },
	on_hold: { label: 'Sous surveillance', color: '#6b6400' },
	resolved: { label: 'Service fait', color: '#1f7a34' },
	rejected: { label: 'Rejeté', color: '#5c5c5c' },
	archived: { label: 'Archivé', color: '#8a8a8a' },
};
const ROLES = { agent: 'agent', contractor: 'prestataire', supervisor: 'superviseur',
	admin: 'administrateur' };
const EXPORT_ROLES = ['supervisor', 'admin'];
// The choropleth's classes, lightest first (ColorBrewer Blues, 5 classes).
const SHADES = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];
// How often the map asks again without the live stream (the stream is the staff's).
const POLL_MS = 60000;
const LIVE_DEBOUNCE_MS = 1500;

const $ = (id) => document.getElementById(id);
const form = $('filtres');

// What the page shows now; the browser tests read it (window.carte) to wait for a state.
const state = {
	filters: {},
	staff: null,
	shading: 'open',
	stats: { service: null, arrondissement: null },
	tilesVersion: 0,
	shown: null,
	statsShown: null,
	categories: new Map(),
};

function filterQuery(extra) {
	const q = new URLSearchParams();
	for (const name of FILTERS)
		if (state.filters[name])
			q.set(name, state.filters[name]);
	for (const [k, v] of Object.entries(extra || {}))
		q.set(k, v);
	return q;
}

// The filters as one string: a state is shown for the filters it was asked with.
function filterKey() {
	return filterQuery().toString();
}

function readFiltersFromUrl() {
	const q = new URLSearchParams(location.search);
	const f = {};
	for (const name of FILTERS)
		if (q.get(name))
			f[name] = q.get(name);
	if (['open', 'overdue', 'none'].includes(q.get('teinte')))
		state.shading = q.get('teinte');
	return f;
}

function readFiltersFromForm() {
	const f = {};
	for (const name of FILTERS) {
		const field = form.elements[name];
		const value = field.type === 'checkbox' ? (field.checked ? 'true' : '') : field.value;
		if (value)
			f[name] = value;
	}
	// A sub-category says more than its top category: send only the narrower one.
	if (f.category)
		delete f.top_category;
	return f;
}

function writeFiltersToForm() {
	for (const name of FILTERS) {
		const field = form.elements[name];
		if (field.type === 'checkbox')
			field.checked = state.filters[name] === 'true';
		else
			field.value = state.filters[name] || '';
	}
	if (state.filters.category && !form.elements.top_category.value) {
		const cat = state.categories.get(Number(state.filters.category));
		if (cat && cat.parent)
			form.elements.top_category.value = String(cat.parent.id);
	}
	fillSubCategories();
	form.elements.category.value = state.filters.category || '';
	for (const radio of document.querySelectorAll('input[name=teinte]'))
		radio.checked = radio.value === state.shading;
}

// The page's URL keeps the filters (query) and the view (MapLibre's #carte=z/lat/lon).
function writeUrl() {
	const q = filterQuery();
	if (state.shading !== 'open')
		q.set('teinte', state.shading);
	const search = q.toString();
	history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}

async function getJson(path) {
	const r = await fetch(path, { headers: { Accept: 'application/json' } });
	if (!r.ok) {
		const err = new Error(`${path}: HTTP ${r.status}`);
		err.status = r.status;
		throw err;
	}
	return r.json();
}

function say(text) {
	$('etat').textContent = text;
}

// ------------------------------------------------------------------ reference data

async function loadReference() {
	const [cats, services] = await Promise.all([getJson(`${API}/categories`),
		getJson(`${API}/services`)]);
	const top = $('f-top');
	for (const parent of cats.categories) {
		state.categories.set(parent.id, { id: parent.id, label: parent.label, parent: null,
			children: parent.children });
		for (const child of parent.children)
			state.categories.set(child.id, { ...child, parent });
		top.append(new Option(parent.label, String(parent.id)));
	}
	const service = $('f-service');
	for (const s of [...services.services].sort((a, b) => a.name.localeCompare(b.name, 'fr')))
		service.append(new Option(s.name, s.code));
	const arr = $('f-arrondissement');
	for (let n = 1; n <= 20; n++)
		arr.append(new Option(n === 1 ? '1er' : `${n}e`, String(n)));
}

// The sub-categories of the chosen top category; the public never sees agent-only ones.
function fillSubCategories() {
	const select = $('f-category');
	const parent = state.categories.get(Number(form.elements.top_category.value));
	select.length = 1;
	select.disabled = !parent;
	if (!parent)
		return;
	for (const child of parent.children)
		if (state.staff || !child.agent_only)
			select.append(new Option(child.label, String(child.id)));
}

function categoryLabel(id) {
	const c = state.categories.get(Number(id));
	if (!c)
		return '';
	return c.parent ? `${c.parent.label} – ${c.label}` : c.label;
}

// ------------------------------------------------------------------ session

async function loadSession() {
	try {
		state.staff = await getJson(`${API}/session`);
	} catch (err) {
		if (err.status !== 401)
			console.warn('session', err);
		state.staff = null;
	}
	const staff = state.staff;
	$('connexion').hidden = !!staff;
	$('deconnexion').hidden = !staff;
	$('equipe').hidden = !staff;
	$('export').hidden = !staff || !EXPORT_ROLES.includes(staff.role);
	$('qui').textContent = staff ? `${staff.name} (${ROLES[staff.role] || staff.role})` : '';
}

// ------------------------------------------------------------------ map

function basemapStyle() {
	const meta = document.querySelector('meta[name="dmr-basemap-style"]');
	return meta && meta.content ? meta.content : null;
}

function tileUrl(kind, extra) {
	const q = filterQuery(extra).toString();
	return `${location.origin}${API}/tiles/${kind}/{z}/{x}/{y}.mvt${q ? `?${q}` : ''}`;
}

const map = new maplibregl.Map({
	container: 'carte',
	style: basemapStyle() || {
		version: 8,
		sources: {},
		layers: [{ id: 'fond', type: 'background', paint: { 'background-color': '#f4f2ed' } }],
	},
	bounds: PARIS,
	fitBoundsOptions: { padding: 16 },
	minZoom: 10,
	maxZoom: 19,
	maxBounds: BOUNDS,
	hash: 'carte',
	attributionControl: { compact: false,
		customAttribution: 'Données : Ville de Paris (ODbL), Dans ma rue' },
	locale: {
		'Map.Title': 'Carte',
		'NavigationControl.ZoomIn': 'Zoomer',
		'NavigationControl.ZoomOut': 'Dézoomer',
		'NavigationControl.ResetBearing': 'Remettre le nord en haut',
		'ScaleControl.Meters': 'm',
		'ScaleControl.Kilometers': 'km',
	},
});
const mapLoaded = new Promise((resolve) => map.once('load', resolve));
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');

const statusColor = ['match', ['get', 'status']];
for (const [status, s] of Object.entries(STATUSES))
	statusColor.push(status, s.color);
statusColor.push('#333333');

function addLayers() {
	map.addSource('areas', { type: 'vector', tiles: [tileUrl('areas')], minzoom: 0,
		maxzoom: 16 });
	map.addSource('reports', { type: 'vector', tiles: [reportTilesUrl()], minzoom: 0,
		maxzoom: 16 });
	map.addLayer({ id: 'arrondissements-teinte', type: 'fill', source: 'areas',
		'source-layer': 'arrondissements', paint: { 'fill-color': '#ffffff',
			'fill-opacity': 0.7 } });
	map.addLayer({ id: 'parcs', type: 'fill', source: 'areas', 'source-layer': 'parks',
		paint: { 'fill-color': '#9fd18b', 'fill-opacity': 0.6 } });
	map.addLayer({ id: 'quartiers', type: 'line', source: 'areas', 'source-layer': 'quartiers',
		minzoom: 12, paint: { 'line-color': '#8c8c8c', 'line-width': 0.6 } });
	map.addLayer({ id: 'secteurs', type: 'line', source: 'areas', 'source-layer': 'sectors',
		layout: { visibility: 'none' },
		paint: { 'line-color': '#6a1b9a', 'line-width': 1.5, 'line-dasharray': [3, 2] } });
	map.addLayer({ id: 'arrondissements', type: 'line', source: 'areas',
		'source-layer': 'arrondissements', paint: { 'line-color': '#3d3d3d',
			'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 15, 2.5] } });
	// Invisible: it keeps the cluster tiles loaded; the counts are buttons (clusterMarkers).
	map.addLayer({ id: 'clusters', type: 'circle', source: 'reports',
		'source-layer': 'clusters', maxzoom: REPORT_ZOOM,
		paint: { 'circle-radius': 1, 'circle-opacity': 0, 'circle-stroke-opacity': 0 } });
	map.addLayer({ id: 'points', type: 'circle', source: 'reports', 'source-layer': 'reports',
		minzoom: REPORT_ZOOM, paint: {
			'circle-color': statusColor,
			'circle-radius': ['case', ['==', ['get', 'overdue'], true], 8, 6.5],
			'circle-stroke-color': ['case', ['==', ['get', 'overdue'], true], '#000000',
				'#ffffff'],
			'circle-stroke-width': ['case', ['==', ['get', 'overdue'], true], 3, 1.5],
		} });
	map.on('click', 'points', (e) => openReport(e.features[0].properties.id, null));
	map.on('mouseenter', 'points', () => { map.getCanvas().style.cursor = 'pointer'; });
	map.on('mouseleave', 'points', () => { map.getCanvas().style.cursor = ''; });
}

function reportTilesUrl() {
	return state.tilesVersion ? tileUrl('reports', { v: String(state.tilesVersion) })
		: tileUrl('reports');
}

// New filters, or new reports: the tiles are asked for again with the new URL.
function reloadTiles() {
	if (!map.getSource('reports'))
		return;
	map.getSource('reports').setTiles([reportTilesUrl()]);
}

// ------------------------------------------------------------------ clusters

const clusterMarkers = new Map();

function clusterLabel(n) {
	return n >= 10000 ? `${Math.round(n / 1000)} k` : n.toLocaleString('fr-FR');
}

function clusterButton(key, p, lngLat) {
	const b = document.createElement('button');
	b.type = 'button';
	b.className = 'cluster';
	b.dataset.key = key;
	const size = Math.round(28 + 9 * Math.log10(Math.max(1, p.count)));
	b.style.width = b.style.height = `${size}px`;
	if (p.overdue > 0)
		b.classList.add('has-overdue');
	b.textContent = clusterLabel(p.count);
	b.setAttribute('aria-label', `${p.count} signalements, dont ${p.open ?? 0} en cours et `
		+ `${p.overdue ?? 0} en retard : zoomer ici`);
	b.addEventListener('click', (e) => {
		e.stopPropagation();
		map.easeTo({ center: lngLat, zoom: Math.min(REPORT_ZOOM, Math.floor(map.getZoom()) + 2) });
	});
	return b;
}

// One button per cluster of the tiles drawn (a tile the map holds twice gives its clusters
// twice: one button per position).
function syncClusters() {
	const seen = new Map();
	if (map.getZoom() < REPORT_ZOOM && map.getSource('reports')) {
		for (const f of map.querySourceFeatures('reports', { sourceLayer: 'clusters' })) {
			const [lng, lat] = f.geometry.coordinates;
			seen.set(`${lng.toFixed(6)},${lat.toFixed(6)}`, { lng, lat, p: f.properties });
		}
	}
	for (const [key, marker] of clusterMarkers)
		if (!seen.has(key) || marker.count !== seen.get(key).p.count) {
			marker.remove();
			clusterMarkers.delete(key);
		}
	for (const [key, c] of seen)
		if (!clusterMarkers.has(key)) {
			const marker = new maplibregl.Marker({ element: clusterButton(key, c.p, [c.lng, c.lat]) })
				.setLngLat([c.lng, c.lat]).addTo(map);
			marker.count = c.p.count;
			clusterMarkers.set(key, marker);
		}
	return [...seen].map(([key, c]) => ({ key, lng: c.lng, lat: c.lat, count: c.p.count,
		open: c.p.open, overdue: c.p.overdue }));
}

// The reports drawn at z >= REPORT_ZOOM, listed as buttons: the keyboard's way to them.
function syncPoints() {
	const byId = new Map();
	if (map.getZoom() >= REPORT_ZOOM)
		for (const f of map.queryRenderedFeatures({ layers: ['points'] }))
			byId.set(f.properties.id, { ...f.properties, lng: f.geometry.coordinates[0],
				lat: f.geometry.coordinates[1] });
	const list = $('visibles-liste');
	const points = [...byId.values()].sort((a, b) => String(a.number).localeCompare(b.number));
	list.replaceChildren(...points.slice(0, 100).map((p) => {
		const li = document.createElement('li');
		const b = document.createElement('button');
		b.type = 'button';
		b.textContent = `${p.number} · ${STATUSES[p.status]?.label || p.status}`
			+ `${p.overdue === true ? ' · en retard' : ''} · ${categoryLabel(p.category)}`;
		b.addEventListener('click', () => openReport(p.id, b));
		li.append(b);
		return li;
	}));
	$('visibles').hidden = points.length === 0;
	return points;
}

function onIdle() {
	const clusters = syncClusters();
	const points = syncPoints();
	state.shown = { key: filterKey(), version: state.tilesVersion, zoom: map.getZoom(),
		clusters, points };
	const n = clusters.reduce((sum, c) => sum + c.count, 0) + points.length;
	const many = (k) => `${k.toLocaleString('fr-FR')} signalement${k > 1 ? 's' : ''}`;
	say(map.getZoom() < REPORT_ZOOM
		? `${many(n)} dans la vue. Zoomez pour les voir un par un.`
		: `${many(points.length)} dans la vue.`);
}

// ------------------------------------------------------------------ statistics

// The figures of the dashboard: [member of a stats row, heading, how it is written].
const STAT_COLUMNS = [
	['count', 'Total', count], ['open', 'En cours', count], ['overdue', 'En retard', count],
	['resolved', 'Faits', count], ['resolve_hours_median', 'Délai médian', hours],
];

function count(n) {
	return (n ?? 0).toLocaleString('fr-FR');
}

// A delay in hours, as a person reads it: "5 h", "2,5 j"; none yet: a dash.
function hours(h) {
	if (h === null || h === undefined)
		return '–';
	return h < 48 ? `${Math.round(h).toLocaleString('fr-FR')} h`
		: `${(h / 24).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} j`;
}

function cell(tag, text, attrs) {
	const c = document.createElement(tag);
	c.textContent = text;
	for (const [k, v] of Object.entries(attrs || {}))
		c.setAttribute(k, v);
	return c;
}

function statsTable(id, by, rows, name) {
	const table = $(id);
	const head = document.createElement('tr');
	head.append(cell('th', by === 'service' ? 'Service' : 'Arrdt', { scope: 'col' }));
	for (const [, heading] of STAT_COLUMNS)
		head.append(cell('th', heading, { scope: 'col' }));
	table.tHead.replaceChildren(head);
	table.tBodies[0].replaceChildren(...rows.map((row) => {
		const tr = document.createElement('tr');
		tr.dataset.key = String(row[by]);
		tr.append(cell('th', name(row), { scope: 'row' }));
		for (const [key, , write] of STAT_COLUMNS)
			tr.append(cell('td', write(row[key]), { 'data-col': key,
				'data-value': String(row[key] ?? '') }));
		return tr;
	}));
}

function serviceName(row) {
	return row.service_name || row.service || 'Sans service';
}

function arrondissementName(row) {
	const n = Number(row.arrondissement);
	return n === 1 ? '1er' : `${n}e`;
}

async function loadStats() {
	const key = filterKey();
	const q = filterQuery().toString();
	try {
		const [byService, byArr] = await Promise.all([
			getJson(`${API}/stats?by=service${q ? `&${q}` : ''}`),
			getJson(`${API}/stats?by=arrondissement${q ? `&${q}` : ''}`),
		]);
		if (key !== filterKey())
			return;
		state.stats = { service: byService.rows, arrondissement: byArr.rows };
		statsTable('par-service', 'service', byService.rows, serviceName);
		statsTable('par-arrondissement', 'arrondissement', byArr.rows, arrondissementName);
		$('tableau-etat').textContent = '';
	} catch (err) {
		console.warn('stats', err);
		state.stats = { service: null, arrondissement: null };
		$('tableau-etat').textContent = 'Le tableau de bord ne peut pas être chargé pour le moment.';
	}
	state.statsShown = key;
	shade();
}

// ------------------------------------------------------------------ choropleth

// Up to five classes of equal width from 0 to the largest value; one when all are 0.
function classes(values) {
	const max = Math.max(0, ...values);
	const step = Math.max(1, Math.ceil(max / SHADES.length));
	return SHADES.map((color, i) => ({ color, from: i ? i * step + 1 : 0,
		to: max ? (i + 1) * step : 0 })).filter((c) => c.from <= max);
}

function shade() {
	if (!map.getLayer('arrondissements-teinte'))
		return;
	const rows = state.stats.arrondissement || [];
	const legend = $('legende-teinte');
	if (state.shading === 'none' || rows.length === 0) {
		map.setPaintProperty('arrondissements-teinte', 'fill-color', '#ffffff');
		legend.replaceChildren();
		return;
	}
	const bands = classes(rows.map((r) => r[state.shading] || 0));
	const color = (v) => (bands.find((b) => v <= b.to) || { color: SHADES[0] }).color;
	const expr = ['match', ['to-number', ['get', 'arrondissement']]];
	for (const r of rows)
		expr.push(Number(r.arrondissement), color(r[state.shading] || 0));
	expr.push(SHADES[0]);
	map.setPaintProperty('arrondissements-teinte', 'fill-color', expr);
	legend.replaceChildren(...bands.map((b) => {
		const li = document.createElement('li');
		const swatch = cell('span', '', { class: 'swatch' });
		swatch.style.background = b.color;
		li.append(swatch, b.from === b.to ? `${b.from}` : `${b.from} à ${b.to}`);
		return li;
	}));
}

// ------------------------------------------------------------------ the report panel

function dateFr(iso, withTime) {
	if (!iso)
		return '';
	const d = new Date(iso);
	return withTime ? d.toLocaleString('fr-FR', { dateStyle: 'medium', timeStyle: 'short',
		timeZone: 'Europe/Paris' })
		: d.toLocaleDateString('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });
}

function row(dl, term, value) {
	if (value === null || value === undefined || value === '')
		return;
	dl.append(cell('dt', term), cell('dd', value));
}

let panelOpener = null;
let panelAsked = 0;

async function openReport(id, opener) {
	const asked = ++panelAsked;
	panelOpener = opener || document.activeElement;
	const panel = $('fiche');
	const body = $('fiche-contenu');
	$('fiche-titre').textContent = 'Signalement';
	body.replaceChildren(cell('p', 'Chargement…'));
	panel.hidden = false;
	panel.focus();
	let report, events;
	try {
		[report, events] = await Promise.all([getJson(`${API}/reports/${id}`),
			getJson(`${API}/reports/${id}/events`)]);
	} catch (err) {
		console.warn('report', err);
		if (asked === panelAsked)
			body.replaceChildren(cell('p', 'Ce signalement ne peut pas être affiché.'));
		return;
	}
	// A later click opened another report meanwhile: that one is shown.
	if (asked !== panelAsked)
		return;
	$('fiche-titre').textContent = `Signalement ${report.number}`;
	const parts = [];
	const photo = report.photos.close || report.photos.far;
	if (photo) {
		const img = document.createElement('img');
		img.src = photo.thumbnail_url;
		img.alt = `Photo du signalement ${report.number}`;
		img.className = 'thumb';
		parts.push(img);
	}
	const dl = document.createElement('dl');
	row(dl, 'État', `${STATUSES[report.status]?.label || report.status}`
		+ `${report.overdue ? ' (en retard)' : ''}`);
	row(dl, 'Adresse', report.address || report.park?.name
		|| (report.quartier ? `${report.quartier.name}, Paris ${report.arrondissement}` : ''));
	row(dl, 'Type', report.category.parent
		? `${report.category.parent.label} – ${report.category.label}` : report.category.label);
	row(dl, 'Service', report.service?.name || report.service?.code);
	row(dl, 'Secteur', report.sector?.name || report.sector?.code);
	row(dl, 'Créé le', dateFr(report.created_at, true));
	row(dl, 'Échéance', dateFr(report.expected_at, true));
	if (report.followers > 0)
		row(dl, 'Suivi par', `${report.followers} personne${report.followers > 1 ? 's' : ''}`);
	row(dl, 'Description', report.description);
	dl.className = 'facts';
	parts.push(dl);
	parts.push(cell('h3', 'Historique'));
	const ol = document.createElement('ol');
	ol.className = 'history';
	for (const e of events.events) {
		const li = document.createElement('li');
		li.append(cell('time', dateFr(e.at, true), { datetime: e.at }), ' ',
			STATUSES[e.to]?.label || e.to);
		if (e.message)
			li.append(cell('p', e.message, { class: 'message' }));
		ol.append(li);
	}
	parts.push(ol);
	if (state.staff) {
		const a = cell('a', 'Historique complet (équipe)', { href: `${API}/reports/${id}/events` });
		parts.push(cell('p', ''));
		parts[parts.length - 1].append(a);
	}
	body.replaceChildren(...parts);
}

function closeReport() {
	$('fiche').hidden = true;
	panelAsked++;
	if (panelOpener && document.contains(panelOpener))
		panelOpener.focus();
}

// ------------------------------------------------------------------ live

let refreshTimer = null;

// Once for a burst of events, and at least every `delay` while events keep coming.
function refreshSoon(delay) {
	if (refreshTimer)
		return;
	refreshTimer = setTimeout(() => {
		refreshTimer = null;
		state.tilesVersion++;
		reloadTiles();
		loadStats();
	}, delay);
}

// The map asks again now and then: the public's way, and the staff's when the stream is not
// theirs (an admin's) or has ended.
let polling = null;

function poll() {
	polling = polling || setInterval(() => {
		if (document.visibilityState === 'visible')
			refreshSoon(0);
	}, POLL_MS);
}

// The staff's stream says when a report is created or moves.
function startLive() {
	if (!state.staff) {
		poll();
		return;
	}
	const source = new EventSource(`${API}/events/stream`);
	source.addEventListener('open', () => { $('direct').textContent = 'En direct'; });
	source.addEventListener('report', () => {
		$('direct').textContent = `En direct : mis à jour à ${new Date().toLocaleTimeString('fr-FR')}`;
		refreshSoon(LIVE_DEBOUNCE_MS);
	});
	source.addEventListener('error', () => {
		if (source.readyState !== EventSource.CLOSED)
			return;
		$('direct').textContent = 'Pas de suivi en direct : la carte se met à jour chaque minute.';
		poll();
	});
}

// ------------------------------------------------------------------ wiring

function applyFilters() {
	state.filters = readFiltersFromForm();
	writeUrl();
	updateExportLink();
	reloadTiles();
	loadStats();
}

function updateExportLink() {
	const q = filterQuery().toString();
	$('export').href = `${API}/reports.csv${q ? `?${q}` : ''}`;
}

form.addEventListener('change', (e) => {
	if (e.target.name === 'top_category') {
		fillSubCategories();
		form.elements.category.value = '';
	}
	applyFilters();
});
form.addEventListener('submit', (e) => e.preventDefault());
form.addEventListener('reset', () => setTimeout(() => {
	fillSubCategories();
	applyFilters();
}));
for (const radio of document.querySelectorAll('input[name=teinte]'))
	radio.addEventListener('change', () => {
		state.shading = radio.value;
		writeUrl();
		shade();
	});
$('c-sectors').addEventListener('change', (e) => map.setLayoutProperty('secteurs', 'visibility',
	e.target.checked ? 'visible' : 'none'));
$('fiche-fermer').addEventListener('click', closeReport);
document.addEventListener('keydown', (e) => {
	if (e.key === 'Escape' && !$('fiche').hidden)
		closeReport();
});

window.carte = { map, state, filterKey };

async function start() {
	state.filters = readFiltersFromUrl();
	await Promise.all([loadReference(), loadSession()]);
	writeFiltersToForm();
	// What the form could not take (an unknown service, a list of statuses) is dropped.
	state.filters = readFiltersFromForm();
	writeUrl();
	updateExportLink();
	await mapLoaded;
	addLayers();
	map.on('idle', onIdle);
	await loadStats();
	startLive();
}

start().catch((err) => {
	console.error(err);
	say('La carte ne peut pas être chargée : réessayez plus tard.');
});
