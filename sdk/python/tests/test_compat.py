"""The SDK and the example stay within Python 3.9's syntax and the standard library."""
import ast
import os
import sys
import unittest

import support

FILES = [
    os.path.join(dirpath, name)
    for base in (os.path.join(support.SDK, "lineage"), os.path.join(support.ROOT, "examples", "python"))
    for dirpath, _, names in os.walk(base)
    for name in names
    if name.endswith(".py")
]


class CompatTests(unittest.TestCase):
    def test_python_3_9_syntax(self):
        self.assertTrue(FILES)
        for path in FILES:
            with open(path, encoding="utf-8") as f:
                ast.parse(f.read(), path, feature_version=(3, 9))

    def test_standard_library_only(self):
        stdlib = getattr(sys, "stdlib_module_names", None)
        if stdlib is None:
            self.skipTest("sys.stdlib_module_names needs Python 3.10")
        local = {"lineage", "model", "worker", "run", "moons"}
        for path in FILES:
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    self.assertTrue(top in stdlib or top in local or top == "__future__", f"{path} imports {name}")


if __name__ == "__main__":
    unittest.main()
