# The same commands .ci/run uses.
.PHONY: install lint typecheck test serve demo bench

install:
	python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && npm ci --ignore-scripts --no-audit --no-fund

lint:
	.venv/bin/ruff check geo app tests bench

typecheck:
	.venv/bin/mypy

test:
	.venv/bin/python -m pytest

serve:
	.venv/bin/hotspots serve

demo:
	HOTSPOTS_AUTH=off .venv/bin/hotspots demo

bench:
	.venv/bin/python bench/bench_ingest.py --n 100000
	.venv/bin/python bench/bench_hotspots.py --n 100000
	.venv/bin/python bench/bench_maps.py
