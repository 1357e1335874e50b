# hedged: the two commands a new machine needs are `make run` and `make test`.
# Everything goes through CMake presets (CMakePresets.json); builds use two jobs.
SHELL := /bin/bash
CONFIG ?= config/default.yaml
JOBS ?= 2

.PHONY: help deps build hedged run test test-asan test-tsan bench fuzz format format-check layering-check tidy check-config clean

help:
	@echo "make run          install what is missing, build Release, run on $(CONFIG)"
	@echo "make test         install what is missing, build Release, run the whole ctest suite"
	@echo "make test-asan    the suite under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make test-tsan    the suite under ThreadSanitizer"
	@echo "make bench        build Release and run the benchmarks"
	@echo "make fuzz         100,000 mutated YAML inputs through both loaders under ASan+UBSan"
	@echo "make format-check / format / layering-check / tidy / check-config / clean"

deps:
	@bash deploy/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# run builds only the daemon: a first `make run` need not wait for the tests.
hedged: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target hedged

run: hedged
	./build/release/daemon/hedged run -c $(CONFIG)

check-config: hedged
	./build/release/daemon/hedged check-config $(CONFIG) config/limits.yaml

test: build
	ctest --preset release

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan

# The long fuzz run of the YAML loaders (100,000 mutated inputs) under ASan+UBSan.
fuzz: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) --target config_fuzz_test
	HEDGED_FUZZ_INPUTS=100000 ./build/asan/tests/config_fuzz_test

bench: build
	./build/release/tests/bench/pricing_bench
	./build/release/tests/bench/implied_vol_bench
	./build/release/tests/bench/american_bench
	./build/release/tests/bench/venue_bench
	./build/release/tests/bench/backtest_bench
	./build/release/tests/bench/e2e_bench --json build/release/e2e_bench.json

FORMAT_FILES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

format-check: deps
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format: ok ($(words $(FORMAT_FILES)) files)"

format: deps
	@clang-format -i $(FORMAT_FILES)

# clang-tidy over the project's own sources (uses build/release/compile_commands.json).
tidy: hedged
	@clang-tidy -p build/release --quiet $(shell git ls-files 'core/*.cpp' 'adapters/*.cpp' 'daemon/*.cpp')

layering-check:
	@bash tests/lint/check_layering.sh

clean:
	rm -rf build
