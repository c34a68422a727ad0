"""streamgrad's wire format in Python: Avro single-object encoding of samples and prediction
requests, and decoding of every record the jobs write (snapshots, predictions, dead letters).

Needs only Debian's python3-avro (1.11); the Kafka side is yours (python3-confluent-kafka in the
example). The fingerprint is computed from the Avro specification's Parsing Canonical Form, here,
because python-avro 1.11's own ``canonical_form`` keeps logical types and so gives other
fingerprints than Java's (records written with them are dead-lettered as
``unknown schema fingerprint``).

    codec = Codec()                                # the released schemas of the repository, or a
                                                   # directory written by `streamgrad schemas --out`
    value = codec.encode("Sample", {"modelId": "m1", "features": [0.5, 1.0], "label": 2.0,
                                    "weight": 1.0, "eventTime": None})
    producer = confluent_kafka.Producer({**PRODUCER_CONFIG, "bootstrap.servers": "localhost:9092"})
    producer.produce("samples", key="m1", value=value)
    name, record = codec.decode(snapshot_bytes)     # ("WeightSnapshot-3", {...})
"""
import io
import math
import json
import os
import re
import struct

import avro.io
import avro.schema

# Java's partitioner (murmur2 of the key): each model's records stay in the partition Java
# producers and Flink's sinks use. librdkafka's default (consistent_random) is not it.
PRODUCER_CONFIG = {"partitioner": "murmur2_random"}

MAGIC = b"\xc3\x01"

_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMAS = os.path.join(
    _HERE, "..", "..", "schemas", "src", "main", "resources", "io", "streamgrad", "schemas", "released")

# --- Parsing Canonical Form and CRC-64-AVRO, as the Avro specification defines them -------------

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_KEEP = ["name", "type", "fields", "symbols", "items", "values", "size"]


def _canonical(s, namespace, seen):
    if isinstance(s, str):
        if s in _PRIMITIVES:
            return json.dumps(s)
        full = s if "." in s or namespace is None else namespace + "." + s
        return json.dumps(full)
    if isinstance(s, list):
        return "[" + ",".join(_canonical(b, namespace, seen) for b in s) + "]"
    t = s["type"]
    if isinstance(t, str) and t in _PRIMITIVES:
        return json.dumps(t)  # {"type": "long", "logicalType": ...} is "long"
    if t in ("record", "enum", "fixed"):
        name = s["name"]
        ns = s.get("namespace", namespace)
        full = name if "." in name else (name if ns is None else ns + "." + name)
        if full in seen:
            return json.dumps(full)
        seen.add(full)
        ns = full.rsplit(".", 1)[0] if "." in full else None
        parts = ['"name":' + json.dumps(full), '"type":' + json.dumps(t)]
        if t == "record":
            fields = []
            for f in s["fields"]:
                fields.append('{"name":' + json.dumps(f["name"]) + ',"type":'
                              + _canonical(f["type"], ns, seen) + "}")
            parts.append('"fields":[' + ",".join(fields) + "]")
        elif t == "enum":
            parts.append('"symbols":' + json.dumps(s["symbols"], separators=(",", ":")))
        else:
            parts.append('"size":' + str(int(s["size"])))
        return "{" + ",".join(parts) + "}"
    if t == "array":
        return '{"type":"array","items":' + _canonical(s["items"], namespace, seen) + "}"
    if t == "map":
        return '{"type":"map","values":' + _canonical(s["values"], namespace, seen) + "}"
    return _canonical(t, namespace, seen)  # {"type": {...}} or {"type": "a.Named"}


def canonical_form(schema_json):
    """The Parsing Canonical Form of a schema given as JSON text or parsed JSON."""
    s = json.loads(schema_json) if isinstance(schema_json, str) else schema_json
    return _canonical(s, None, set())


_EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_EMPTY & -(_fp & 1))
    _TABLE.append(_fp & 0xFFFFFFFFFFFFFFFF)


def fingerprint(schema_json):
    """CRC-64-AVRO of the Parsing Canonical Form: what single-object headers carry (unsigned)."""
    fp = _EMPTY
    for b in canonical_form(schema_json).encode("utf-8"):
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


def header(schema_json):
    """The 10 bytes every single-object-encoded record of this schema starts with."""
    return MAGIC + fingerprint(schema_json).to_bytes(8, "little")


# --- hashed features ----------------------------------------------------------------------------

def murmur3_32(data, seed=0):
    """MurmurHash3 x86_32 of `data` (bytes), unsigned: sklearn.utils.murmurhash3_32(data, seed,
    positive=True)."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed & mask
    n = len(data)
    full = n - n % 4
    for i in range(0, full, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    k = 0
    tail = data[full:]
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if tail:
        k ^= tail[0]
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    h ^= h >> 16
    return h


def token_index(token, hash_bits=20):
    """Where the job puts a token: murmur3_32(UTF-8 bytes, seed 0) mod 2^hash_bits."""
    return murmur3_32(token.encode("utf-8")) % (1 << hash_bits)


# --- encoding and decoding ----------------------------------------------------------------------

class Codec:
    """streamgrad's released schemas by name and version; encodes with the newest of a record."""

    def __init__(self, schema_dir=None):
        schema_dir = schema_dir or os.environ.get("STREAMGRAD_SCHEMAS") or DEFAULT_SCHEMAS
        self._by_fingerprint = {}
        self._newest = {}
        for file in sorted(os.listdir(schema_dir)):
            m = re.fullmatch(r"([A-Za-z]+)-(\d+)\.avsc", file)
            if not m:
                continue
            with open(os.path.join(schema_dir, file), encoding="utf-8") as f:
                text = f.read()
            schema = avro.schema.parse(text)
            fp = fingerprint(text)
            name, version = m.group(1), int(m.group(2))
            self._by_fingerprint[fp] = (f"{name}-{version}", schema)
            if version >= self._newest.get(name, (0,))[0]:
                self._newest[name] = (version, fp, schema)
        if not self._newest:
            raise ValueError(f"no Name-N.avsc schema in {schema_dir} (run `streamgrad schemas --out DIR`)")

    def fingerprints(self):
        """{"Sample-1": fingerprint, ...} for every schema loaded."""
        return {name: fp for fp, (name, _) in self._by_fingerprint.items()}

    def encode(self, record_name, datum):
        """Single-object encoding of `datum` (a dict) with the newest version of `record_name`."""
        _, fp, schema = self._newest[record_name]
        buf = io.BytesIO()
        buf.write(MAGIC + fp.to_bytes(8, "little"))
        avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
        return buf.getvalue()

    def decode(self, value):
        """("Name-N", dict) of a record any streamgrad job wrote (any released version)."""
        if len(value) < 10 or value[:2] != MAGIC:
            raise ValueError("not Avro single-object encoding")
        fp = int.from_bytes(value[2:10], "little")
        if fp not in self._by_fingerprint:
            raise ValueError(f"unknown schema fingerprint {fp}")
        name, schema = self._by_fingerprint[fp]
        decoder = avro.io.BinaryDecoder(io.BytesIO(value[10:]))
        return name, avro.io.DatumReader(schema).read(decoder)

    def sample(self, model_id, features, label, weight=1.0, event_time=None,
               indices=(), values=(), tokens=()):
        """A Sample: dense features, and a sparse part of explicit (indices, values) and of
        categorical tokens (hashed by the job with token_index)."""
        return self.encode("Sample", {"modelId": model_id, "features": list(features),
                                      "label": label, "weight": weight, "eventTime": event_time,
                                      "indices": list(indices), "values": list(values),
                                      "tokens": list(tokens)})

    def request(self, model_id, request_id, features, event_time=None,
                indices=(), values=(), tokens=()):
        """A PredictionRequest, with a sparse part as in sample() for a sparse model (its tokens
        hashed with the answering model's hash bits)."""
        return self.encode("PredictionRequest", {"modelId": model_id, "requestId": request_id,
                                                 "features": list(features), "eventTime": event_time,
                                                 "indices": list(indices), "values": list(values),
                                                 "tokens": list(tokens)})

    def label(self, model_id, request_id, label, event_time=None, weight=None):
        """A Label: the outcome of request request_id of model model_id, known later (a click is
        1.0). event_time: when it happened (a datetime; None: the Kafka record's timestamp);
        weight: the joined sample's importance (None: 1). Key it by model_id, as the requests."""
        return self.encode("Label", {"modelId": model_id, "requestId": request_id,
                                     "label": label, "eventTime": event_time, "weight": weight})


class SparseModel:
    """One sparse model rebuilt from its decoded snapshots, as Java's SparseModelAssembler does: a
    full update replaces the tables, a delta applies on top of the version it names (its
    ``baseVersion``), and a version counts once all its ``parts`` arrived. After a gap (a delta
    whose base is not the version held) it keeps the version it has until the next full update.
    Tables are kept as {row: values} of their non-zero rows.

        model = SparseModel()
        for value in snapshot_values_of_one_model:
            name, s = codec.decode(value)
            model.accept(s)
        p = model.predict(features=[0.3, 1.0], tokens=["site=news", "hour=13"])
    """

    def __init__(self):
        self.version = -1
        self.head = None  # the first record of the version held: dense side, spec, metrics
        self.tables = {}
        self.gaps = 0
        self._parts = []
        self._pending = -1

    def accept(self, snapshot):
        """Takes one record; True when it completed a version and the model is now at it."""
        update = snapshot.get("sparse")
        if update is None:
            raise ValueError(f"snapshot of model {snapshot['modelId']} has no sparse part")
        if snapshot["version"] <= self.version:
            return False  # a replay or a duplicate
        if snapshot["version"] != self._pending or len(self._parts) != update["parts"]:
            self._pending, self._parts = snapshot["version"], [None] * update["parts"]
        self._parts[update["part"]] = snapshot
        if any(p is None for p in self._parts):
            return False
        parts, self._parts, self._pending = self._parts, [], -1
        first = parts[0]
        if first["sparse"]["full"]:
            tables = {}
        elif self.head is None or first["sparse"]["baseVersion"] != self.version:
            self.gaps += 1
            return False
        else:
            tables = self.tables
        for part in parts:
            for t in part["sparse"]["tables"]:
                n, width = t["count"], t["width"]
                rows = struct.unpack(f"<{n}i", t["indices"])
                values = struct.unpack(f"<{n * width}f", t["values"])
                table = tables.setdefault(t["name"], {})
                for k, row in enumerate(rows):
                    v = values[k * width:(k + 1) * width]
                    if any(x != 0.0 for x in v):
                        table[row] = v
                    else:
                        table.pop(row, None)  # a delta's zeros
        self.tables, self.version, self.head = tables, first["version"], first
        return True

    def non_zero(self):
        """Non-zero values over every table."""
        return sum(sum(1 for x in v if x != 0.0) for t in self.tables.values() for v in t.values())

    def logit(self, features=(), tokens=(), indices=(), values=()):
        """The linear part of a sparse-logistic or sparse-linear model: w . x + bias + the weights
        of the sparse coordinates (explicit indices with their values, tokens with value 1)."""
        spec = self.head["modelSpec"]
        if spec["kind"] not in ("sparse-logistic", "sparse-linear"):
            raise ValueError(f"model kind {spec['kind']}: serve it with the predictor job")
        if self.head.get("standardization") is not None:
            raise ValueError("standardized dense features: serve it with the predictor job")
        params = {p["name"]: p["values"] for p in self.head["parameters"]}
        z = params["bias"][0] + sum(a * b for a, b in zip(params.get("weight", []), features))
        table = self.tables.get("sparse.weight", {})
        for i, v in zip(indices, values):
            z += v * table.get(i, (0.0,))[0]
        for t in tokens:
            z += table.get(token_index(t, spec["hashBits"]), (0.0,))[0]
        return z

    def predict(self, features=(), tokens=(), indices=(), values=()):
        """What the model outputs: a click probability for sparse-logistic."""
        z = self.logit(features, tokens, indices, values)
        if self.head["modelSpec"]["kind"] == "sparse-logistic":
            return 1 / (1 + math.exp(-z))
        return z
