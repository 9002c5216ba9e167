#!/usr/bin/env node
// Builds data/genre-drift/ (sequences.jsonl + items.jsonl): the embedded, freely redistributable synthetic data set
// of the list task. Deterministic: one seeded generator (mulberry32), integer arithmetic and + - * / only, so
// re-running it writes the same bytes on any machine (test/list-data-embedded.test.ts checks this).
//
// Usage: node scripts/make-genre-drift.mjs [outDir]      (outDir defaults to data/genre-drift)
//
// The planted structure (what a sequential model can learn), described in data/genre-drift/README.md:
//   - 8 genres on a ring, 50 movies each (400). A genre's movies come in franchises of 1-3 entries ("X", "X II",
//     "X III"), titled from that genre's own word lists, so title words carry the genre. One movie in three also has
//     a second genre (a ring neighbour); 8 movies have no `genres` field (the "missing genres" case).
//   - Each user starts in a random genre and walks the ring as a Markov chain: after each watch the genre stays with
//     probability 0.80, moves to the next genre on the ring with 0.15, jumps to a uniformly drawn genre with 0.05.
//   - In the current genre a user watches the unseen sequel of the movie just watched with probability 0.6 when
//     there is one (and the genre stayed); otherwise an unseen movie of the genre drawn by popularity (weight
//     1 / popularity rank within the genre). No movie is watched twice.
//   - 800 users; sequence length 18 + a geometric count of mean 20 (capped at 100): about one user in ten has fewer
//     than 20 interactions (dropped by the list task's default minLength). Users start within 200 days of
//     2021-01-01 and watch every 10 minutes to 3 days (uniform); timestamps are Unix seconds, strictly increasing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SEED = 18;
const USERS = 800;
const PER_GENRE = 50;
const T0 = 1609459200; // 2021-01-01T00:00:00Z
const DAY = 86400;

const GENRES = [
  {
    name: 'Sci-Fi',
    a: ['Quantum', 'Orbital', 'Stellar', 'Cyber', 'Galactic', 'Binary', 'Ion', 'Nebula', 'Robotic', 'Warp'],
    b: ['Frontier', 'Signal', 'Colony', 'Protocol', 'Horizon', 'Drift', 'Machine', 'Station', 'Paradox', 'Vector'],
  },
  {
    name: 'Horror',
    a: ['Crimson', 'Hollow', 'Silent', 'Rotting', 'Midnight', 'Pale', 'Cursed', 'Buried', 'Howling', 'Wicked'],
    b: ['Cellar', 'Harvest', 'Asylum', 'Bones', 'Chapel', 'Mirror', 'Woods', 'Doll', 'Ritual', 'Attic'],
  },
  {
    name: 'Mystery',
    a: ['Velvet', 'Foggy', 'Missing', 'Seventh', 'Locked', 'Golden', 'Quiet', 'Double', 'Broken', 'Secret'],
    b: ['Clue', 'Alibi', 'Witness', 'Ledger', 'Manor', 'Cipher', 'Verdict', 'Key', 'Inquest', 'Suspect'],
  },
  {
    name: 'Western',
    a: ['Dusty', 'Iron', 'Lonesome', 'Copper', 'Wild', 'Rawhide', 'Outlaw', 'Painted', 'Dry', 'High'],
    b: ['Canyon', 'Saddle', 'Trail', 'Mesa', 'Rifle', 'Stagecoach', 'Ranch', 'Gulch', 'Sheriff', 'Prairie'],
  },
  {
    name: 'Comedy',
    a: ['Happy', 'Crazy', 'Lucky', 'Clumsy', 'Goofy', 'Jolly', 'Awkward', 'Silly', 'Cheeky', 'Dizzy'],
    b: ['Wedding', 'Vacation', 'Roommates', 'Neighbors', 'Holiday', 'Picnic', 'Reunion', 'Office', 'Party', 'Bakery'],
  },
  {
    name: 'Romance',
    a: ['Summer', 'Tender', 'Endless', 'Sweet', 'Moonlit', 'Forever', 'Secret', 'Autumn', 'Gentle', 'Second'],
    b: ['Kiss', 'Letters', 'Promise', 'Garden', 'Waltz', 'Sonnet', 'Embrace', 'Vows', 'Harbor', 'Heart'],
  },
  {
    name: 'Documentary',
    a: ['Hidden', 'Ancient', 'Frozen', 'Living', 'Deep', 'Urban', 'Wild', 'Vanishing', 'Great', 'Forgotten'],
    b: ['Oceans', 'Empires', 'Rivers', 'Glaciers', 'Forests', 'Migrations', 'Deserts', 'Reefs', 'Cities', 'Volcanoes'],
  },
  {
    name: 'Animation',
    a: ['Little', 'Brave', 'Magic', 'Tiny', 'Flying', 'Dancing', 'Sleepy', 'Curious', 'Fluffy', 'Bouncy'],
    b: ['Dragon', 'Penguin', 'Robot', 'Kitten', 'Balloon', 'Teapot', 'Pirate', 'Snowman', 'Bunny', 'Castle'],
  },
];

/** mulberry32: a small, well-mixed 32-bit generator; `next()` in [0, 1), `int(n)` in 0 .. n−1. */
function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

function shuffle(r, xs) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

const r = rng(SEED);
const G = GENRES.length;

// Movies: per genre, franchises of 1-3 entries until PER_GENRE movies; titles from distinct (adjective, noun) pairs.
const movies = []; // { genre, title, sequel: index or -1, rank }
for (let g = 0; g < G; g++) {
  const pairs = [];
  for (const a of GENRES[g].a) for (const b of GENRES[g].b) pairs.push(`The ${a} ${b}`);
  shuffle(r, pairs);
  let made = 0;
  let pair = 0;
  while (made < PER_GENRE) {
    const u = r.next();
    const size = Math.min(u < 0.6 ? 1 : u < 0.85 ? 2 : 3, PER_GENRE - made);
    const base = pairs[pair++];
    for (let k = 0; k < size; k++) {
      const i = movies.length;
      movies.push({ genre: g, title: k === 0 ? base : `${base} ${k === 1 ? 'II' : 'III'}`, sequel: -1 });
      if (k > 0) movies[i - 1].sequel = i;
      made++;
    }
  }
}
// Popularity rank within the genre (1 = most popular), drawn at random.
for (let g = 0; g < G; g++) {
  const own = shuffle(
    r,
    movies.flatMap((m, i) => (m.genre === g ? [i] : [])),
  );
  own.forEach((i, k) => (movies[i].rank = k + 1));
}
// Genres as written: the primary genre, a ring neighbour as a second genre for one movie in three, none for 8 movies.
const written = movies.map((m) => {
  const gs = [GENRES[m.genre].name];
  if (r.next() < 1 / 3) gs.push(GENRES[(m.genre + (r.next() < 0.5 ? 1 : G - 1)) % G].name);
  return gs;
});
for (const i of shuffle(
  r,
  movies.map((_, i) => i),
).slice(0, 8))
  written[i] = undefined;
// Item ids: 1001.. in a random order, so that ids say nothing about genres or franchises.
const ids = shuffle(
  r,
  movies.map((_, i) => 1001 + i),
);
const byGenre = Array.from({ length: G }, (_, g) => movies.flatMap((m, i) => (m.genre === g ? [i] : [])));

function popularPick(g, seen) {
  let total = 0;
  for (const i of byGenre[g]) if (!seen.has(i)) total += 1 / movies[i].rank;
  if (total === 0) return -1;
  let x = r.next() * total;
  let last = -1;
  for (const i of byGenre[g]) {
    if (seen.has(i)) continue;
    last = i;
    x -= 1 / movies[i].rank;
    if (x < 0) return i;
  }
  return last;
}

const seqLines = [];
for (let u = 1; u <= USERS; u++) {
  let n = 18;
  while (n < 100 && r.next() >= 1 / 21) n++;
  let g = r.int(G);
  let t = T0 + r.int(200 * DAY);
  const seen = new Set();
  const items = [];
  const times = [];
  let prev = -1;
  let stayed = false;
  while (items.length < n) {
    let pick = -1;
    if (stayed && prev >= 0 && movies[prev].sequel >= 0 && !seen.has(movies[prev].sequel) && r.next() < 0.6) {
      pick = movies[prev].sequel;
    }
    if (pick < 0) pick = popularPick(g, seen);
    if (pick < 0) {
      g = (g + 1) % G; // the genre is exhausted for this user: move on along the ring
      stayed = false;
      continue;
    }
    seen.add(pick);
    items.push(ids[pick]);
    t += 600 + r.int(3 * DAY - 600);
    times.push(t);
    prev = pick;
    const x = r.next();
    if (x < 0.8) stayed = true;
    else {
      stayed = false;
      g = x < 0.95 ? (g + 1) % G : r.int(G);
    }
  }
  seqLines.push(JSON.stringify({ user: u, items, timestamps: times }));
}

const itemLines = movies
  .map((m, i) => ({ id: ids[i], title: m.title, genres: written[i] }))
  .sort((a, b) => a.id - b.id)
  .map((m) =>
    JSON.stringify(m.genres ? { item: m.id, title: m.title, genres: m.genres } : { item: m.id, title: m.title }),
  );

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'data/genre-drift'));
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'sequences.jsonl'), seqLines.join('\n') + '\n');
fs.writeFileSync(path.join(out, 'items.jsonl'), itemLines.join('\n') + '\n');
const interactions = seqLines.reduce((a, l) => a + JSON.parse(l).items.length, 0);
console.log(`wrote ${out}: ${USERS} users, ${movies.length} items, ${interactions} interactions`);
