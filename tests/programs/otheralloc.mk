# otheralloc.so: a preloadable allocator not laid out as glibc's (shim/otheralloc.c), for
# tests/e2e/t_trailers.sh. A shared library, so not one of the programs built from *.c here.
# -Bsymbolic: its functions call each other directly, as a real allocator's do, not through
# growth's hooks (growth would see realloc(NULL, n) inside reallocarray as a second allocation).
all: $(BUILD)/otheralloc.so

$(BUILD)/otheralloc.so: shim/otheralloc.c otheralloc.mk
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -shared -fPIC -Wl,-Bsymbolic -o $@ $< $(LDFLAGS)
