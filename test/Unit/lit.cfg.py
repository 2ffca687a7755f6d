# -*- Python -*-
# Runs the gtest unit tests (binaries named *Tests under build/unittests).

import os

import lit.formats

config.name = "LowBit-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.lowbit_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
