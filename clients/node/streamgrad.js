'use strict';
/**
 * streamgrad's wire format in Node.js: Avro single-object encoding of samples and prediction
 * requests, and decoding of every record the jobs write (snapshots, predictions, dead letters), by
 * fingerprint. Needs only `avsc`; the Kafka side is yours (`kafkajs` in example.js, whose default
 * partitioner is Java's murmur2, so each model's records stay in the partition Java would choose).
 *
 *   const { Codec } = require('./streamgrad');
 *   const codec = new Codec();            // the repository's released schemas, or a directory
 *                                         // written by `streamgrad schemas --out DIR`
 *   const value = codec.sample('m1', [0.5, 1.0], 2.0);
 *   const [name, record] = codec.decode(snapshotBytes);   // ['WeightSnapshot-4', {...}]
 */
const fs = require('fs');
const path = require('path');
const avro = require('avsc');

const MAGIC = Buffer.from([0xc3, 0x01]);
const DEFAULT_SCHEMAS = path.join(
  __dirname, '..', '..', 'schemas', 'src', 'main', 'resources', 'io', 'streamgrad', 'schemas', 'released');

// CRC-64-AVRO, as the Avro specification defines it (a 64-bit Rabin fingerprint).
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;
const TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) {
    fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
  }
  return fp & MASK;
});

/** The schema's fingerprint over its Parsing Canonical Form (what `avsc`'s schema() gives). */
function fingerprint(type) {
  let fp = EMPTY;
  for (const b of Buffer.from(JSON.stringify(type.schema()), 'utf8')) {
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  }
  return fp;
}

/** The 10 bytes before every body: C3 01, then the fingerprint little-endian. */
function header(type) {
  const h = Buffer.alloc(10);
  MAGIC.copy(h, 0);
  h.writeBigUInt64LE(fingerprint(type), 2);
  return h;
}

/** Java's murmur2 of a key (Kafka's default partitioner), to check where a record lands. */
function murmur2(data) {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  let i = 0;
  for (; i + 4 <= data.length; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  switch (data.length - i) {
    case 3: h ^= (data[i + 2] & 0xff) << 16; // falls through
    case 2: h ^= (data[i + 1] & 0xff) << 8; // falls through
    case 1: h ^= data[i] & 0xff; h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

/** The partition Java's producer (and Flink's sinks) choose for a key among n. */
function javaPartition(key, n) {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % n;
}

/** streamgrad's released schemas by name and version; encodes with the newest of a record. */
class Codec {
  constructor(schemaDir = DEFAULT_SCHEMAS) {
    this.byFingerprint = new Map();
    this.newest = new Map();
    for (const file of fs.readdirSync(schemaDir).sort()) {
      const m = /^([A-Za-z]+)-(\d+)\.avsc$/.exec(file);
      if (!m) continue;
      const type = avro.Type.forSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8')));
      const entry = { name: `${m[1]}-${m[2]}`, record: m[1], version: Number(m[2]), type, header: header(type) };
      this.byFingerprint.set(fingerprint(type), entry);
      const held = this.newest.get(m[1]);
      if (!held || held.version < entry.version) this.newest.set(m[1], entry);
    }
    if (this.newest.size === 0) {
      throw new Error(`no Name-N.avsc schema in ${schemaDir} (run \`streamgrad schemas --out DIR\`)`);
    }
  }

  /** Fingerprints (hex, as written) by schema name. */
  fingerprints() {
    const out = {};
    for (const [fp, e] of this.byFingerprint) out[e.name] = fp.toString(16).padStart(16, '0');
    return out;
  }

  encode(recordName, datum) {
    const e = this.newest.get(recordName);
    if (!e) throw new Error(`no schema of ${recordName}`);
    return Buffer.concat([e.header, e.type.toBuffer(datum)]);
  }

  /** [name, record] of a record any streamgrad job wrote (any released version). */
  decode(value) {
    if (value.length < 10 || value[0] !== 0xc3 || value[1] !== 0x01) {
      throw new Error('not Avro single-object encoding');
    }
    const e = this.byFingerprint.get(value.readBigUInt64LE(2));
    if (!e) throw new Error(`unknown schema fingerprint ${value.readBigUInt64LE(2).toString(16)}`);
    return [e.name, e.type.fromBuffer(value.subarray(10))];
  }

  /** A Sample: dense features, and a sparse part (explicit indices and values, tokens). */
  sample(modelId, features, label, { weight = 1.0, eventTime = null, indices = [], values = [], tokens = [] } = {}) {
    return this.encode('Sample', { modelId, features, label, weight, eventTime, indices, values, tokens });
  }

  /** A PredictionRequest, with a sparse part as in sample(). */
  request(modelId, requestId, features, { eventTime = null, indices = [], values = [], tokens = [] } = {}) {
    return this.encode('PredictionRequest', { modelId, requestId, features, eventTime, indices, values, tokens });
  }

  /**
   * A Label: the outcome of request requestId of model modelId, known later (a click is 1).
   * eventTime: when it happened (a Date; null: the Kafka record's timestamp); weight: the joined
   * sample's importance (null: 1). Key it by modelId, as the requests.
   */
  label(modelId, requestId, label, { eventTime = null, weight = null } = {}) {
    return this.encode('Label', { modelId, requestId, label, eventTime, weight });
  }
}

/**
 * Where the job puts a token: MurmurHash3 x86_32 of its UTF-8 bytes (seed 0) mod 2^hashBits. What an
 * exported sparse model's `indices` input takes (the hashing stays the caller's).
 */
function tokenIndex(token, hashBits = 20) {
  const data = Buffer.from(token, 'utf8');
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const full = data.length & ~3;
  for (let i = 0; i < full; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = data.length & 3;
  if (tail >= 3) k ^= data[full + 2] << 16;
  if (tail >= 2) k ^= data[full + 1] << 8;
  if (tail >= 1) {
    k ^= data[full];
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return Number(BigInt(h >>> 0) % (1n << BigInt(hashBits)));
}

module.exports = { Codec, fingerprint, javaPartition, murmur2, tokenIndex };
