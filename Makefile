# Plenum: `make demo` serves the demo facility, `make test` installs the test peers (Chromium for the
# browser tests among them) and runs every test.

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
PG_BIN      := /usr/lib/postgresql/15/bin
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X main.version=$(VERSION)
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test test-deps lint bench clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/plenum ./cmd/plenum

demo: build
	./bin/plenum serve --demo --data ./plenum-data

# The peers the tests run against, from Debian's packages; idempotent.
test-deps:
	@missing=""; \
	[ -x $(PG_BIN)/initdb ] || missing="$$missing postgresql-15"; \
	command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	command -v prometheus-alertmanager >/dev/null || missing="$$missing prometheus-alertmanager"; \
	command -v influxd >/dev/null || missing="$$missing influxdb"; \
	command -v snmpsimd >/dev/null || missing="$$missing snmpsim"; \
	command -v prometheus-snmp-exporter >/dev/null || missing="$$missing prometheus-snmp-exporter"; \
	/usr/bin/python3 -c 'import pymodbus.server, serial_asyncio' 2>/dev/null || missing="$$missing python3-pymodbus python3-serial python3-serial-asyncio"; \
	/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing="$$missing python3-aiosmtpd"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi; \
	id postgres >/dev/null 2>&1 || { echo "the postgres user is missing (it comes with postgresql-15)"; exit 1; }

test: test-deps
	$(GO) test -count=1 -p 2 -timeout 30m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

bench: test-deps
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

clean:
	rm -rf bin
