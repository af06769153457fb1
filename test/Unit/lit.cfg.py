# -*- Python -*-
# lit configuration of the C++ unit tests (GoogleTest executables).

import os

import lit.formats

config.name = "UNIFORM-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.uniform_obj_root, "test", "Unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
