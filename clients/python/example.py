#!/usr/bin/env python3
"""Feed a streamgrad training job from Python and read back what it learned.

    python3 example.py produce --bootstrap-servers localhost:9092 --topic samples --models 2
    (run `streamgrad train --bootstrap-servers localhost:9092 --features 3 ...`)
    python3 example.py check --bootstrap-servers localhost:9092 --snapshots snapshots \
        --true-weights '{"py-0": [...], ...}'

`produce` writes the tutorial's data (Y = X w* + noise) keyed by model id with Java's partitioner,
prints the true weights as JSON on its first line and then, per model, the partition Kafka put it
in; `check` decodes the snapshots (and dead letters) and fails unless every model's newest
weights are within --tolerance of the truth.

With --sparse, `produce` writes clicks over hashed tokens (for `train --model sparse-logistic`) and
`check` rebuilds each sparse model from its snapshots' full updates and deltas (SparseModel) and
prints its version, non-zero weights and its click probability for a probe impression.
"""
import argparse
import json
import math
import random
import sys

import confluent_kafka

from streamgrad_client import PRODUCER_CONFIG, Codec, SparseModel

PROBE_FEATURES = [0.5, -1.0, 2.0]
PROBE_TOKENS = ["tok1", "tok2", "tok7", "tok30"]


def produce(args, codec):
    rng = random.Random(args.seed)
    weights = {f"py-{m}": [rng.gauss(0, 1) for _ in range(args.features)] for m in range(args.models)}
    producer = confluent_kafka.Producer({**PRODUCER_CONFIG, "bootstrap.servers": args.bootstrap_servers,
                                         "linger.ms": 5})
    partitions = {}
    errors = []

    def delivered(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            partitions[msg.key().decode()] = msg.partition()

    token_weight = {f"tok{k}": rng.gauss(0, 1) for k in range(200)}
    for i in range(args.samples):
        model = f"py-{i % args.models}"
        x = [(rng.random() - 0.5) * 5 for _ in range(args.features)]
        y = sum(a * b for a, b in zip(x, weights[model])) + rng.gauss(0, args.noise)
        if args.sparse:  # a click, drawn from a logistic model of the dense part and ~6 tokens
            tokens = [f"tok{int(200 * rng.random() ** 3)}" for _ in range(6)]
            z = 0.3 * y - 0.5 + sum(token_weight[t] for t in tokens)
            label = 1.0 if rng.random() < 1 / (1 + math.exp(-z)) else 0.0
            value = codec.sample(model, x, label, tokens=tokens)
        else:
            value = codec.sample(model, x, y)
        producer.produce(args.topic, key=model, value=value, on_delivery=delivered)
        producer.poll(0)
    if args.bad:  # one record of the wrong width: its dead letter comes back with its reason
        producer.produce(args.topic, key="py-0", value=codec.sample("py-0", [1.0], 0.0),
                         on_delivery=delivered)
    producer.flush(30)
    if errors:
        sys.exit(f"{len(errors)} records were refused: {errors[0]}")
    print(json.dumps(weights))
    for model, p in sorted(partitions.items()):
        print(f"partition {model} {p}")


def read_all(args, topic):
    consumer = confluent_kafka.Consumer({"bootstrap.servers": args.bootstrap_servers,
                                         "group.id": "py-check", "enable.auto.commit": False,
                                         "isolation.level": "read_committed"})
    meta = consumer.list_topics(topic, timeout=10).topics[topic]
    parts = [confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in meta.partitions]
    ends = {p.partition: consumer.get_watermark_offsets(p, timeout=10)[1] for p in parts}
    consumer.assign(parts)
    values, done = [], {p: ends[p] == 0 for p in ends}
    while not all(done.values()):
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        values.append(msg.value())
        if msg.offset() + 1 >= ends[msg.partition()]:
            done[msg.partition()] = True
    consumer.close()
    return values


def check_sparse(args, codec):
    models = {}
    for value in read_all(args, args.snapshots):
        name, s = codec.decode(value)
        models.setdefault(s["modelId"], SparseModel()).accept(s)
    for model_id, m in sorted(models.items()):
        p = m.predict(features=PROBE_FEATURES, tokens=PROBE_TOKENS)
        print(f"{model_id}: version {m.version}, non-zero {m.non_zero()}, gaps {m.gaps},"
              f" probe {p!r}")


def check(args, codec):
    if args.sparse:
        return check_sparse(args, codec)
    truth = json.loads(args.true_weights)
    newest = {}
    for value in read_all(args, args.snapshots):
        name, s = codec.decode(value)
        assert name.startswith("WeightSnapshot"), name
        if s["version"] > newest.get(s["modelId"], {"version": -1})["version"]:
            newest[s["modelId"]] = s
    worst = 0.0
    for model, w in truth.items():
        learned = newest[model]["weights"]
        err = max(abs(a - b) for a, b in zip(learned, w))
        worst = max(worst, err)
        print(f"{model}: version {newest[model]['version']}, samples {newest[model]['samplesSeen']},"
              f" max |w - w*| = {err:.4f}")
    if args.dead_letters:
        for value in read_all(args, args.dead_letters):
            name, d = codec.decode(value)
            print(f"dead letter ({name}): {d['reason']} (model {d['modelId']})")
    if worst > args.tolerance:
        sys.exit(f"learned weights are {worst:.4f} from the truth, more than {args.tolerance}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("produce")
    a.add_argument("--topic", default="samples")
    a.add_argument("--models", type=int, default=2)
    a.add_argument("--features", type=int, default=3)
    a.add_argument("--samples", type=int, default=4000)
    a.add_argument("--noise", type=float, default=0.1)
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--bad", action="store_true", help="also one record of the wrong width")
    c = sub.add_parser("check")
    c.add_argument("--snapshots", default="snapshots")
    c.add_argument("--dead-letters")
    c.add_argument("--true-weights")
    c.add_argument("--tolerance", type=float, default=0.05)
    for s in (a, c):
        s.add_argument("--bootstrap-servers", required=True)
        s.add_argument("--sparse", action="store_true", help="clicks over hashed tokens")
        s.add_argument("--schemas", help="a directory of Name-N.avsc (streamgrad schemas --out DIR)")
    args = p.parse_args()
    codec = Codec(args.schemas)
    produce(args, codec) if args.command == "produce" else check(args, codec)


if __name__ == "__main__":
    main()
