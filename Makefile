# The C install of libopenenv.so:
#   make install PREFIX=/usr/local      (DESTDIR for staging)
# installs lib/libopenenv.so.VERSION (soname libopenenv.so.MAJOR, with the usual links),
# include/openenv.h and lib/pkgconfig/openenv.pc, so that a C program builds with
#   cc prog.c $(pkg-config --cflags --libs openenv)
# The library is the shipped one (scripts/build_library.sh): it needs nothing from the Swift
# toolchain at run time.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION := $(shell bash scripts/build_library.sh --version)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
LIBRARY := .build/release/libopenenv.so

.PHONY: all library install uninstall

all: library

library:
	bash scripts/build_library.sh >/dev/null

install: library
	install -d "$(DESTDIR)$(LIBDIR)/pkgconfig" "$(DESTDIR)$(INCLUDEDIR)"
	install -m 755 "$(LIBRARY)" "$(DESTDIR)$(LIBDIR)/libopenenv.so.$(VERSION)"
	ln -sf "libopenenv.so.$(VERSION)" "$(DESTDIR)$(LIBDIR)/libopenenv.so.$(MAJOR)"
	ln -sf "libopenenv.so.$(MAJOR)" "$(DESTDIR)$(LIBDIR)/libopenenv.so"
	install -m 644 include/openenv.h "$(DESTDIR)$(INCLUDEDIR)/openenv.h"
	sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		include/openenv.pc.in > "$(DESTDIR)$(LIBDIR)/pkgconfig/openenv.pc"

uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/libopenenv.so.$(VERSION)" "$(DESTDIR)$(LIBDIR)/libopenenv.so.$(MAJOR)" \
		"$(DESTDIR)$(LIBDIR)/libopenenv.so" "$(DESTDIR)$(INCLUDEDIR)/openenv.h" "$(DESTDIR)$(LIBDIR)/pkgconfig/openenv.pc"
