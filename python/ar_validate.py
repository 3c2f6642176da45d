"""Checks a training script before it costs a run. Reads the script on
stdin, prints one JSON line: {"ok": true} or {"ok": false, "kind":
"syntax"|"validation", "reason": "..."}. It uses Python's own parser, so
it accepts exactly what the interpreter will run.

This saves runs; it is not the security boundary (the sandbox is)."""
import ast
import json
import sys

BANNED_MODULES = {
    "socket", "ssl", "http", "urllib", "urllib3", "requests", "httpx", "aiohttp", "ftplib", "smtplib",
    "telnetlib", "subprocess", "multiprocessing", "ctypes", "cffi", "pty", "pexpect", "paramiko",
    "importlib", "runpy", "pickle", "marshal", "shutil", "ar_eval", "ar_data", "ar_prepare",
    "ar_train", "ar_metrics", "ar_validate", "ar_doctor", "ar_seal", "ar_modelproc", "ar_view", "sqlite3",
}
BANNED_CALLS = {"eval", "exec", "compile", "__import__", "breakpoint", "input", "globals", "setattr", "delattr"}
BANNED_ATTRS = {
    ("os", "system"), ("os", "popen"), ("os", "fork"), ("os", "forkpty"), ("os", "kill"), ("os", "killpg"),
    ("os", "remove"), ("os", "unlink"), ("os", "rmdir"), ("os", "removedirs"), ("os", "rename"), ("os", "replace"),
    ("os", "chdir"), ("os", "environ"), ("os", "getenv"), ("os", "putenv"), ("os", "setsid"), ("os", "open"),
    ("os", "walk"), ("os", "listdir"), ("os", "scandir"),
    ("torch", "load"), ("sys", "modules"), ("builtins", "open"),
    ("torch", "_C"), ("os", "close"), ("os", "closerange"), ("os", "dup"), ("os", "dup2"),
    ("os", "sched_setaffinity"),  # a worker pinned to its cores stays there: the others are measured beside it
}
# The engine the harness counts gradient steps through (a step budget),
# and what reaches into captured state: a script that gets past them
# trains uncounted.
BANNED_ANY_ATTRS = {"_execution_engine", "_ImperativeEngine", "ImperativeEngine", "run_backward", "__closure__", "cell_contents",
                    "__globals__", "f_globals", "get_referrers", "get_referents", "get_objects"}
BANNED_PREFIXES = (("os", "exec"), ("os", "spawn"), ("os", "posix_spawn"))
HARNESS_NAMES = {"harness", "H"}
FORBIDDEN_TEXT = ("val.pt", "test.pt", "evaluate.py", "/proc/", "/etc/", "~/.", "autoresearch.db")


class Checker(ast.NodeVisitor):
    def __init__(self):
        self.problems = []
        self.attrs = set()
        self.imports_harness = False
        self.harness_names = set(HARNESS_NAMES)
        self.modules = set()  # names bound to imported modules

    def problem(self, node, text):
        self.problems.append(f"line {getattr(node, 'lineno', '?')}: {text}")

    def check_module(self, node, name):
        parts = name.split(".")
        if len(parts) > 1:
            self.check_attr(node, parts[0], parts[1])
        root = parts[0]
        if root == "harness":
            self.imports_harness = True
        if root in BANNED_MODULES:
            self.problem(node, f"imports {name}: network, processes, dynamic code and evaluator modules are not allowed")

    def visit_Import(self, node):
        for a in node.names:
            self.check_module(node, a.name)
            bound = a.asname or a.name.split(".")[0]
            self.modules.add(bound)
            if a.name == "harness":
                self.harness_names.add(bound)
        self.generic_visit(node)

    def check_targets(self, node, targets):
        """Rebinding an imported module's own names (os.write = ...)
        changes what the harness and torch find: not allowed. Settings
        deeper in (torch.backends.cudnn.benchmark = True) are fine."""
        for t in targets:
            if isinstance(t, (ast.Tuple, ast.List)):
                self.check_targets(node, t.elts)
            elif isinstance(t, ast.Starred):
                self.check_targets(node, [t.value])
            elif isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in self.modules:
                self.problem(node, f"assigns to {t.value.id}.{t.attr}: rebinding a module's names is not allowed")

    def visit_Assign(self, node):
        self.check_targets(node, node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self.check_targets(node, [node.target])
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self.check_targets(node, [node.target])
        self.generic_visit(node)

    def visit_Delete(self, node):
        self.check_targets(node, node.targets)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        self.check_module(node, node.module or "")
        for a in node.names:
            self.check_attr(node, node.module or "", a.name)
        self.generic_visit(node)

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Name) and f.id in BANNED_CALLS:
            self.problem(node, f"calls {f.id}(): dynamic code is not allowed")
        if isinstance(f, ast.Name) and f.id == "open":
            self.problem(node, "calls open(): read data through the harness (H.train_data()) and write nothing but the model")
        self.generic_visit(node)

    def check_attr(self, node, owner, attr):
        """owner.attr (or `from owner import attr`): banned pairs, and the
        harness's private names."""
        if (owner, attr) in BANNED_ATTRS or any(owner == m and attr.startswith(p) for m, p in BANNED_PREFIXES):
            self.problem(node, f"uses {owner}.{attr}: not allowed in a training script")
        if owner in self.harness_names and attr.startswith("_"):
            self.problem(node, f"uses {owner}.{attr}: the harness's internals are off limits")

    def visit_Attribute(self, node):
        self.attrs.add(node.attr)
        if node.attr in BANNED_ANY_ATTRS:
            self.problem(node, f"uses .{node.attr}: gradient steps go through torch's autograd as the harness counts them")
        if isinstance(node.value, ast.Name):
            self.check_attr(node, node.value.id, node.attr)
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            for bad in FORBIDDEN_TEXT:
                if bad in node.value:
                    self.problem(node, f"mentions {bad!r}: held-out data, the evaluator and system files are off limits")
        self.generic_visit(node)


def check(source):
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return {"ok": False, "kind": "syntax", "reason": f"line {e.lineno}: {e.msg}"}
    except ValueError as e:
        return {"ok": False, "kind": "syntax", "reason": str(e)}
    c = Checker()
    c.visit(tree)
    if not c.imports_harness:
        c.problems.append("does not import the harness (import harness as H)")
    for name in ("train_data", "save_model"):
        if name not in c.attrs:
            c.problems.append(f"never calls H.{name}(): the script must train on H.train_data() and end with H.save_model(model, x)")
    if c.problems:
        return {"ok": False, "kind": "validation", "reason": "; ".join(c.problems[:5])}
    return {"ok": True}


if __name__ == "__main__":
    print(json.dumps(check(sys.stdin.read())))
