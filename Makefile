# The two commands a newcomer needs:
#   make run   - install what is missing, build, create the demo data on SQLite, start the hub
#   make test  - install what is missing, build with ASan+UBSan, run every test
.PHONY: run test build release web format fuzz bench clean

run:
	@scripts/run-demo.sh

test:
	@scripts/test.sh

build:
	cmake --preset asan && cmake --build --preset asan

release:
	cmake --preset release && cmake --build --preset release

web:
	cd web && npm run build

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} scripts/fuzz-smoke.sh

bench:
	bench/http_bench.sh

clean:
	rm -rf build web/dist
