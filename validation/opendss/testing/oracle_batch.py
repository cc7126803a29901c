#!/usr/bin/env python3
"""Run many decks on the real OpenDSS (the oracle) in one process, for differential tests.

usage: python3 oracle_batch.py DSS_RUN < jobs.json > results.json

DSS_RUN is the oracle's `dss-run` script; its DSS binding and `snapshot` function are loaded as a
module, so every result has exactly the layout of `dss-run --detail full` (the expected.json
layout). jobs.json is a list of {"deck": absolute path, "commands": [..], "solve": bool,
"detail": "full"|"summary", "queries": [..]}. Each job starts with `Clear`, compiles the deck,
runs the commands, issues one Solve unless solve is false, runs the queries (e.g. `? Load.a.kW`),
and records {"result": snapshot, "errors": [..], "answers": [query results]}.
Only the Python 3 standard library is used.
"""
import importlib.machinery
import importlib.util
import json
import os
import sys


def load_dss_run(path):
    loader = importlib.machinery.SourceFileLoader('dss_run', path)
    spec = importlib.util.spec_from_loader('dss_run', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def main():
    dss_run = load_dss_run(sys.argv[1])
    jobs = json.load(sys.stdin)
    d = dss_run.DSS(dss_run.LIBPATH)
    out = []
    for job in jobs:
        errors = []

        def run(cmd, where):
            res, err = d.command(cmd)
            if err:
                err['where'] = where
                errors.append(err)
            return res

        run('clear', 'clear')
        run(f'compile "{job["deck"]}"', 'compile')
        for c in job.get('commands', []):
            run(c, 'cmds')
        if job.get('solve', True):
            run('Solve', 'solve')
        answers = [run(q, 'query') for q in job.get('queries', [])]
        try:
            result = dss_run.snapshot(d, job.get('detail', 'full'))
        except Exception as e:  # a snapshot of a broken circuit
            result = None
            errors.append({'command': 'snapshot', 'number': -1, 'description': str(e), 'where': 'snapshot'})
        out.append({'engine': d.version(), 'result': result, 'errors': errors, 'answers': answers})
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
