#!/usr/bin/env node
'use strict';
/**
 * Feed a streamgrad training job from Node.js and read back what it learned.
 *
 *   node example.js produce --bootstrap-servers localhost:9092 --topic samples --models 2
 *   (run `streamgrad train --bootstrap-servers localhost:9092 --features 3 ...`)
 *   node example.js check --bootstrap-servers localhost:9092 --snapshots snapshots \
 *       --true-weights '{"node-0": [...], ...}'
 *
 * `produce` writes the tutorial's data (Y = X w* + noise) keyed by model id (kafkajs' default
 * partitioner is Java's murmur2), prints `weights {...}` (the true weights as JSON) and then, per
 * model, the partition Kafka put it in; `check` decodes the snapshots (and dead letters), prints
 * each model's newest version and fails unless its weights are within --tolerance of the truth.
 */
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'; // its default is Java's murmur2: what we want
const { Kafka, logLevel } = require('kafkajs');
const { Codec } = require('./streamgrad');

function options(argv) {
  const o = { models: 2, features: 3, samples: 4000, noise: 0.1, seed: 1, tolerance: 0.05 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (k === 'bad') { o.bad = true; continue; }
    o[k] = argv[++i];
  }
  for (const k of ['models', 'features', 'samples', 'noise', 'seed', 'tolerance']) o[k] = Number(o[k]);
  if (!o.bootstrapServers) throw new Error('--bootstrap-servers is required');
  return o;
}

// A small seeded generator (mulberry32), so that runs repeat.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, gauss };
}

function client(o) {
  return new Kafka({ clientId: 'streamgrad-node', brokers: o.bootstrapServers.split(','), logLevel: logLevel.ERROR });
}

async function produce(o, codec) {
  const r = rng(o.seed);
  const weights = {};
  for (let m = 0; m < o.models; m++) weights[`node-${m}`] = Array.from({ length: o.features }, () => r.gauss());
  const producer = client(o).producer(); // DefaultPartitioner: Java's murmur2 of the key
  await producer.connect();
  const partitions = {};
  const messages = [];
  for (let i = 0; i < o.samples; i++) {
    const model = `node-${i % o.models}`;
    const x = Array.from({ length: o.features }, () => (r.next() - 0.5) * 5);
    const y = x.reduce((s, v, j) => s + v * weights[model][j], 0) + r.gauss() * o.noise;
    messages.push({ key: model, value: codec.sample(model, x, y) });
  }
  if (o.bad) messages.push({ key: 'node-0', value: codec.sample('node-0', [1.0], 0.0) });
  for (let i = 0; i < messages.length; i += 500) {
    const sent = await producer.send({ topic: o.topic, acks: -1, messages: messages.slice(i, i + 500) });
    void sent;
  }
  // Where each model landed, from the topic itself.
  await producer.disconnect();
  for (const value of (await readAll(o, o.topic, true)) || []) {
    partitions[value.key] = value.partition;
  }
  console.log(`weights ${JSON.stringify(weights)}`);
  for (const model of Object.keys(partitions).sort()) console.log(`partition ${model} ${partitions[model]}`);
}

/**
 * Every record of a topic now, read committed, from the start of each partition; null when the
 * topic does not exist (a dead-letter topic is created with its first dead letter).
 */
async function readAll(o, topic, withMeta = false) {
  const kafka = client(o);
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(topic)) {
    await admin.disconnect();
    return null;
  }
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const end = new Map(offsets.map(p => [p.partition, Number(p.high)]));
  const remaining = new Set(offsets.filter(p => Number(p.high) > 0).map(p => p.partition));
  const out = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `streamgrad-node-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} took more than 60 s`)), 60000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push(withMeta ? { key: message.key.toString(), partition, value: message.value } : message.value);
        if (Number(message.offset) + 1 >= end.get(partition)) remaining.delete(partition);
        if (remaining.size === 0) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return out;
}

async function check(o, codec) {
  const truth = JSON.parse(o.trueWeights);
  const newest = {};
  const snapshots = await readAll(o, o.snapshots);
  if (snapshots === null) throw new Error(`topic ${o.snapshots} does not exist`);
  for (const value of snapshots) {
    const [name, s] = codec.decode(value);
    if (!name.startsWith('WeightSnapshot')) throw new Error(`not a snapshot: ${name}`);
    if (!newest[s.modelId] || s.version > newest[s.modelId].version) newest[s.modelId] = s;
  }
  let worst = 0;
  for (const [model, w] of Object.entries(truth)) {
    const s = newest[model];
    if (!s) throw new Error(`no snapshot of ${model}`);
    const err = Math.max(...s.weights.map((v, j) => Math.abs(v - w[j])));
    worst = Math.max(worst, err);
    console.log(`${model}: version ${s.version}, samples ${s.samplesSeen}, max |w - w*| = ${err.toFixed(4)}`);
  }
  if (o.deadLetters) {
    const deadLetters = await readAll(o, o.deadLetters);
    if (deadLetters === null) console.log(`no dead letters: topic ${o.deadLetters} does not exist yet`);
    for (const value of deadLetters || []) {
      const [name, d] = codec.decode(value);
      console.log(`dead letter (${name}): ${d.reason} (model ${d.modelId})`);
    }
  }
  if (worst > o.tolerance) throw new Error(`learned weights are ${worst.toFixed(4)} from the truth, more than ${o.tolerance}`);
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const o = options(rest);
  const codec = new Codec(o.schemas);
  if (command === 'produce') await produce(o, codec);
  else if (command === 'check') await check(o, codec);
  else if (command === 'fingerprints') console.log(JSON.stringify(codec.fingerprints()));
  else throw new Error(`unknown command ${command}: produce, check or fingerprints`);
}

main().catch(e => { console.error(e.message || e); process.exit(1); });
