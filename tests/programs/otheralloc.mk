# otheralloc.so: a preloadable allocator not laid out as glibc's (shim/otheralloc.c), for
# tests/e2e/t_trailers.sh. A shared library, so not one of the programs built from *.c here.
all: $(BUILD)/otheralloc.so

$(BUILD)/otheralloc.so: shim/otheralloc.c
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -shared -fPIC -o $@ $< $(LDFLAGS)
