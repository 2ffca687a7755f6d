# LowBit: two commands do everything on a fresh Debian 12 machine.
#   make demo    install what is missing, configure, build, run a model end to end
#   make check   the same set-up, then every test (lit + gtest + python)
SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= Release
LLVM_PREFIX := /usr/lib/llvm-22

APT_PACKAGES := cmake ninja-build clang-22 lld-22 llvm-22-dev llvm-22-tools \
  libmlir-22-dev mlir-22-tools libgtest-dev pybind11-dev python3-pybind11 \
  python3-dev python3-numpy python3-torch zlib1g-dev libopenblas-dev libdnnl-dev \
  libomp-22-dev python3-matplotlib
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all deps configure build check demo docs clean

all: build

# Installs only the apt packages that are missing (a no-op when all are there).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD_DIR)/build.ninja: | deps
	cmake -G Ninja -S . -B $(BUILD_DIR) \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
	  -DLLVM_USE_LINKER=lld \
	  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
	  -DPython3_EXECUTABLE=/usr/bin/python3

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR)

# lit prints its own summary; the last line restates it as "N passed, N failed".
check: build
	@ninja -C $(BUILD_DIR) check-lowbit 2>&1 | tee $(BUILD_DIR)/check.log; rc=$${PIPESTATUS[0]}; \
	awk -F: '/^ *Passed/ {p += $$2} /^ *(Failed|Unresolved|Timed Out)/ {f += $$2} \
	  /^ *(Unsupported|Skipped)/ {s += $$2} \
	  END {printf "lit: %d passed, %d failed, %d skipped\n", p, f, s}' $(BUILD_DIR)/check.log; \
	exit $$rc

# A model through the whole compiler: import, calibrate, RPTQ fold, quantize,
# fuse, lower, run; one table (python/lowbit/tools/demo.py).
demo: build
	PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 -m lowbit.tools.demo \
	  --bin $(BUILD_DIR)/bin --work $(BUILD_DIR)/demo

# Regenerates the committed dialect and pass reference in docs/.
docs: build
	$(LLVM_PREFIX)/bin/mlir-tblgen -gen-dialect-doc -dialect=lowbit \
	  -allow-hugo-specific-features -I $(LLVM_PREFIX)/include -I include \
	  include/lowbit/Dialect/LowBit/IR/LowBitOps.td -o docs/LowBitDialect.md
	$(LLVM_PREFIX)/bin/mlir-tblgen -gen-dialect-doc -dialect=lowbit_x86 \
	  -allow-hugo-specific-features -I $(LLVM_PREFIX)/include -I include \
	  include/lowbit/Dialect/LowBitX86/IR/LowBitX86.td -o docs/LowBitX86Dialect.md
	$(LLVM_PREFIX)/bin/mlir-tblgen -gen-pass-doc -I $(LLVM_PREFIX)/include \
	  -I include include/lowbit/Conversion/Passes.td -o docs/LowBitConversionPasses.md
	$(LLVM_PREFIX)/bin/mlir-tblgen -gen-pass-doc -I $(LLVM_PREFIX)/include \
	  -I include include/lowbit/Dialect/LowBit/Transforms/Passes.td -o docs/LowBitTransformsPasses.md

clean:
	rm -rf $(BUILD_DIR)
