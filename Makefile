# resilient-ssh: build driver.
#
# The fork is assembled, not committed: the pinned upstream tarball
# (upstream.lock) + patches/ + our own files (src/, regress/).  See README.md.
#
#   make                build ssh, sshd, sftp, scp, ... in $(TREE)
#   make deps           install build and test dependencies (Debian, as root)
#   make demo           build, then show the fork at work on 127.0.0.1
#   make check          unit tests, our regress scripts, upstream smoke tests,
#                       interop, and each libFuzzer harness for FUZZ_SECONDS
#   make check-upstream upstream's complete regress suite on the fork
#   make interop        the fork against other SSH implementations
#   make bench          as root, not part of check: throughput, CPU and wire
#                       bytes per GiB of the fork with resilient sessions on
#                       and off and of unpatched upstream, on loopback
#                       (bench/throughput.sh; BENCH_MIB, BENCH_ROUNDS), then
#                       make bench-handover
#   make bench-handover as root: an sftp download across a WLAN to Ethernet
#                       handover, the fork and unpatched upstream, drawn in
#                       bench/results/handover.png (bench/handover.sh)
#   make upstream-plain build unpatched upstream from the pinned tarball in
#                       $(BUILD_DIR)/upstream-plain, for make bench
#   make fuzz           build the libFuzzer harnesses (tests/fuzz/) with clang
#                       in $(BUILD_DIR)/fuzz; scripts/fuzz.sh run runs them
#   make deb            Debian packages that replace openssh-client, -server
#                       and -sftp-server, checked by lintian, in
#                       $(BUILD_DIR)/deb (scripts/deb.sh; needs debhelper)
#   make check-deb      as root: install those packages in a new Debian 12
#                       made by debootstrap, log in, resume a session,
#                       and go back to Debian's (scripts/deb-test.sh)
#   make install        install like upstream's "make install" (PREFIX, DESTDIR),
#                       and PROTOCOL.resilient and README.resilient in DOCDIR
#   make patches        export commits made in $(TREE) back to patches/
#   make reassemble     re-apply patches/, dropping edits made in $(TREE)
#   make rebase-check   try patches/ on another release, in a scratch tree:
#                       UPSTREAM_TARBALL=openssh-X.Yp1.tar.gz (required),
#                       REBASE_SHA256=hex, PATCHES_DIR=dir, KEEP=1
#   make clean          remove build/ (the downloaded tarball is kept)
#   make distclean      also remove downloads/

include upstream.lock

BUILD_DIR ?=	$(CURDIR)/build
DOWNLOAD_DIR ?=	$(CURDIR)/downloads
TREE :=		$(BUILD_DIR)/openssh-$(UPSTREAM_VERSION)
PREFIX ?=	/usr/local
SCRIPTS :=	$(CURDIR)/scripts

export BUILD_DIR DOWNLOAD_DIR PREFIX UPSTREAM_TARBALL CONFIGURE_FLAGS V

.PHONY: all build fetch assemble deps demo check check-unit check-regress \
	check-upstream interop install patches reassemble rebase-check clean \
	distclean fuzz bench bench-handover upstream-plain deb check-deb

all: build

build:
	@$(SCRIPTS)/build.sh

fetch:
	@$(SCRIPTS)/fetch-upstream.sh >/dev/null

assemble:
	@$(SCRIPTS)/assemble.sh

reassemble:
	@RS_FORCE=1 $(SCRIPTS)/assemble.sh

patches:
	@$(SCRIPTS)/refresh-patches.sh

# UPSTREAM_TARBALL names the release to try here, not the pinned one.
rebase-check:
	@$(SCRIPTS)/rebase-check.sh "$$UPSTREAM_TARBALL"

deps:
	@$(SCRIPTS)/deps.sh

demo: build
	@$(SCRIPTS)/demo.sh

# check runs every group; check-unit and check-regress run one each.
check: build
	@$(SCRIPTS)/check.sh $(CHECK_GROUPS)

check-unit: build
	@$(SCRIPTS)/check.sh unit

check-regress: build
	@$(SCRIPTS)/check.sh regress

check-upstream: build
	@$(SCRIPTS)/check.sh upstream

interop: build
	@$(SCRIPTS)/check.sh interop

fuzz:
	@$(SCRIPTS)/fuzz.sh build

# An empty BENCH_MIB or BENCH_ROUNDS takes the script's default.
bench: build upstream-plain
	@$(CURDIR)/bench/throughput.sh "$(BENCH_MIB)" "$(BENCH_ROUNDS)"
	@$(CURDIR)/bench/handover.sh

bench-handover: build upstream-plain
	@$(CURDIR)/bench/handover.sh

upstream-plain:
	@$(SCRIPTS)/build-plain.sh

deb:
	@$(SCRIPTS)/deb.sh

check-deb: deb
	@$(SCRIPTS)/deb-test.sh

DOCDIR ?=	$(PREFIX)/share/doc/resilient-ssh

install: build
	$(MAKE) -C $(TREE) install
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 PROTOCOL.resilient README.resilient $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(BUILD_DIR)

distclean: clean
	rm -rf $(DOWNLOAD_DIR)
