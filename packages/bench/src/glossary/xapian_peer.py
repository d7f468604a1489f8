"""Xapian as an independent lexical peer of the glossary benchmark.

Reads {"entries": [...], "queries": {set: [query, ...]}, "stopWords": [...], "fieldWeights": {...}}
as JSON on stdin and writes {"configs": [{"name", "keys": {set: [[key, ...], ...]}}]} on stdout:
each query's top 10 entry keys under each weighting scheme, with and without English stemming.
Xapian tokenizes, stems and scores with its own code (Debian package python3-xapian), so this
measures what a mature engine reaches on the same entries and queries, not what our tokenizer
allows.
Fields weigh what the benchmark's other engines give them (fieldWeights).
"""
import json
import sys

import xapian

def schemes():
    return [
        ("BM25 (Xapian defaults k1 1, b 0.5)", xapian.BM25Weight),
        # k3 1000: a query term weighs its count in the query, as in our engine.
        ("BM25 (k1 1.2, b 0.75, k3 1000)", lambda: xapian.BM25Weight(1.2, 0, 1000, 0.75, 0.5)),
        ("DFR PL2", xapian.PL2Weight),
        ("DFR DPH", xapian.DPHWeight),
    ]


def build(entries, weights, stem):
    db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    gen = xapian.TermGenerator()
    if stem:
        gen.set_stemmer(xapian.Stem("english"))
    for e in entries:
        doc = xapian.Document()
        gen.set_document(doc)
        gen.index_text(e["key"], weights["key"])
        for alias in e.get("aliases") or []:
            gen.increase_termpos()
            gen.index_text(alias, weights["aliases"])
        gen.increase_termpos()
        gen.index_text(e["value"], weights["value"])
        gen.increase_termpos()
        gen.index_text(e.get("description") or "", weights["description"])
        doc.set_data(e["key"].encode("utf-8"))
        db.add_document(doc)
    return db


def main():
    request = json.load(sys.stdin)
    stopper = xapian.SimpleStopper()
    for word in request["stopWords"]:
        stopper.add(word)
    configs = []
    for stem in (True, False):
        db = build(request["entries"], request["fieldWeights"], stem)
        parser = xapian.QueryParser()
        parser.set_database(db)
        parser.set_default_op(xapian.Query.OP_OR)
        parser.set_stopper(stopper)
        if stem:
            parser.set_stemmer(xapian.Stem("english"))
            parser.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        for name, make in schemes():
            enquire = xapian.Enquire(db)
            enquire.set_weighting_scheme(make())
            keys = {}
            for set_name, queries in request["queries"].items():
                out = []
                for q in queries:
                    # No query syntax: every word is a plain term, as in the other engines.
                    enquire.set_query(parser.parse_query(q, 0))
                    out.append([m.document.get_data().decode("utf-8") for m in enquire.get_mset(0, 10)])
                keys[set_name] = out
            label = "Xapian %s, %s" % (name, "English stemming" if stem else "no stemming")
            configs.append({"name": label, "keys": keys})
    json.dump({"version": xapian.version_string(), "configs": configs}, sys.stdout)


if __name__ == "__main__":
    main()
