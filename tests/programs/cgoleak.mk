# cgoleak: a Go program whose goroutines call C (tests/programs/go/cgoleak), built with the Go
# toolchain when there is one (Debian: golang-go); tests/e2e/t_cgo.sh skips without it. Builds
# offline: the module has no dependencies, GOPROXY=off, and the caches live in the build dir.
# The C flags go through CGO_CFLAGS: cgo refuses -fno-optimize-sibling-calls in a #cgo line.
GO ?= go
CGOLEAK_SRC := $(wildcard go/cgoleak/*.go go/cgoleak/*.c go/cgoleak/*.h) go/cgoleak/go.mod

ifneq ($(shell command -v $(GO) 2>/dev/null),)
all: $(BUILD)/cgoleak
endif

$(BUILD)/cgoleak: $(CGOLEAK_SRC)
	@mkdir -p $(BUILD)/go
	cd go/cgoleak && CGO_ENABLED=1 GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
		GOCACHE=$(BUILD)/go/cache GOPATH=$(BUILD)/go/path GOMODCACHE=$(BUILD)/go/path/pkg/mod \
		CGO_CFLAGS='-g -O1 -fno-omit-frame-pointer -fno-optimize-sibling-calls' \
		$(GO) build -o $(BUILD)/cgoleak .
