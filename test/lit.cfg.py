# -*- Python -*-
# lit configuration for LowBit's regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "LowBit"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.lowbit_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
# `not`, FileCheck and friends may start a RUN line, where lit does not
# substitute them, so LLVM's tools go on PATH too.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.use_default_substitutions()

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%cc", config.cc))
config.substitutions.append(("%lowbit_src", config.lowbit_src_root))
config.substitutions.append(("%lowbit_bin", config.lowbit_tools_dir))
config.substitutions.append(("%mlir_tblgen", config.mlir_tblgen))
config.substitutions.append(("%mlir_include", config.mlir_include_dir))
llvm_config.with_environment("PYTHONPATH", config.lowbit_python_dir, append_path=True)

# Real model data lives beside the repository; tests that need it use
# `REQUIRES: shared-models` and are skipped where it is absent.
shared_models = os.path.join(os.path.dirname(config.lowbit_src_root), "shared", "models")
if os.path.isdir(shared_models):
    config.available_features.add("shared-models")
    config.substitutions.append(("%shared_models", shared_models))

# Optional Python modules of the test interpreter (Debian python3-torch,
# python3-matplotlib): tests that need one say `REQUIRES: torch` or
# `REQUIRES: matplotlib` and are skipped without it.
import subprocess
for module in ("torch", "matplotlib"):
    try:
        subprocess.run([config.python_executable, "-c", "import " + module],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        config.available_features.add(module)
    except (OSError, subprocess.CalledProcessError):
        pass

# The CUDA toolkit's ptxas (found at configure time; optional): tests that
# assemble PTX say `REQUIRES: ptxas`. Kernels that call math functions need
# the toolkit's libdevice too, found beside ptxas.
if config.ptxas and os.path.isfile(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))

# A usable GPU (CUDA driver and a device): tests that run GPU code say
# `REQUIRES: cuda-gpu` and are skipped, not failed, without one.
def _has_cuda_gpu():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        return cuda.cuInit(0) == 0 and \
            cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except OSError:
        return False
if _has_cuda_gpu():
    config.available_features.add("cuda-gpu")

tool_dirs = [config.lowbit_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["quant-opt", "quant-run", "quant-calibrate", "quant-compile"], tool_dirs)
