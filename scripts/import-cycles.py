#!/usr/bin/env python3
"""Prints every import circle between the modules of src/ and exits 1 if there is one.

    scripts/import-cycles.py [--graph] [SRC]

SRC defaults to the repository's src/. Each file is a module (src/output/metrics.rs is
output::metrics, a mod.rs is its folder); a module uses another when it names it or an item
in it through a `crate::`, `super::` or `self::` path, in a `use` declaration or inline
(`crate::scenario::Setup`), or through a name it imported. A name re-exported with `use` is
followed to the module that defines it, so `super::Staging` in output/shard.rs is a use of
output::staging, not of output. `#[cfg(test)]` items are ignored: tests may reach across.

Circles are looked for at two levels: between the top-level modules of a crate (scenario,
model, output, ...), and between the submodules of each folder (output::metrics,
output::robustness, ...); a folder's own mod.rs is its front, not one of its submodules.
Each circle is printed with a file and line for every use along it. `--graph` prints every
edge of both levels as `a -> b` first. Exit status: 0 without circles, 1 with.

Python 3 standard library only.
"""

import argparse
import re
import sys
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
PATH_START = re.compile(rf"\b(crate|super|self)((?:\s*::\s*{IDENT})+)")
MOD_DECL = re.compile(rf"\bmod\s+({IDENT})\s*;")
CFG_TEST = re.compile(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")
USE = re.compile(r"\buse\s")


def strip_comments_and_strings(text):
    """The source with comments and string and char literals blanked, newlines kept."""
    out = []
    i, n = 0, len(text)

    def blank(s):
        return re.sub(r"[^\n]", " ", s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(blank(text[i:end]))
            i = end
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif re.match(r'b?r#*"', text[i:i + 40]) and (i == 0 or not re.match(r"\w", text[i - 1])):
            m = re.match(r'b?r(#*)"', text[i:])
            close = '"' + m.group(1)
            end = text.find(close, i + m.end())
            end = n if end < 0 else end + len(close)
            out.append(blank(text[i:end]))
            i = end
        elif c == '"' or (c == "b" and text.startswith('b"', i) and not re.match(r"\w", text[i - 1:i] or " ")):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(blank(text[i:j + 1]))
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{1F600}'), or a lifetime ('a), which is kept.
            m = re.match(r"'(\\(u\{[0-9A-Fa-f]+\}|x[0-9A-Fa-f]{2}|.)|[^\\'])'", text[i:i + 12])
            if m:
                out.append(blank(m.group(0)))
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def item_end(text, start):
    """Where the item starting at `start` ends: after its `;` or its balanced `{ ... }`."""
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        elif text[j] == ";" and depth == 0:
            return j + 1
    return len(text)


def without_test_items(text):
    """The text with every `#[cfg(test)]` item blanked (newlines kept), and the names of
    `#[cfg(test)] mod name;` declarations, whose files are tests too."""
    test_mods = set()
    while True:
        m = CFG_TEST.search(text)
        if not m:
            return text, test_mods
        end = item_end(text, m.end())
        decl = MOD_DECL.search(text, m.end(), end)
        if decl and decl.end() == end:
            test_mods.add(decl.group(1))
        text = text[:m.start()] + re.sub(r"[^\n]", " ", text[m.start():end]) + text[end:]


def parse_use_tree(tree):
    """Every (path, local name) a use tree brings in; path is a list of segments, local
    name None for a glob."""
    tree = re.sub(r"\s+", "", tree)
    results = []

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        return parts

    def walk(prefix, s):
        if not s:
            return
        if s.endswith("}"):
            brace = s.find("{")
            base = prefix + [p for p in s[:brace].split("::") if p]
            for part in split_top(s[brace + 1:-1]):
                walk(base, part)
            return
        segments = [p for p in s.split("::") if p]
        if segments and segments[-1] == "*":
            results.append((prefix + segments[:-1], None))
            return
        if segments and segments[-1] == "self":
            segments = segments[:-1]
        path = prefix + segments
        results.append((path, path[-1] if path else None))

    walk([], tree)
    return results


def use_trees(text):
    """(tree, offset) of every `use` declaration; ` as ` aliases are marked with `@`."""
    for m in USE.finditer(text):
        end = text.find(";", m.end())
        if end < 0:
            continue
        tree = re.sub(rf"\s+as\s+({IDENT})", r"@\1", text[m.end():end])
        yield tree, m.start()


def use_entries(tree):
    """(path, local name) pairs of a use tree with `@alias` marks."""
    out = []
    for path, name in parse_use_tree(tree):
        if path and "@" in path[-1]:
            last, alias = path[-1].split("@", 1)
            path = path[:-1] + ([] if last == "self" else [last])
            name = alias
        out.append((path, name))
    return out


class Crate:
    """The modules of one crate (the library or the binary), read from its files."""

    def __init__(self, root_file, src):
        self.src = src
        self.modules = {}  # module path (tuple) -> dict(file, text, imports, globs, children)
        self.load((), root_file)

    def load(self, path, file):
        text = strip_comments_and_strings(file.read_text(encoding="utf-8"))
        text, test_mods = without_test_items(text)
        children = set(MOD_DECL.findall(text)) - test_mods
        module = {"file": file, "text": text, "imports": {}, "globs": [], "children": children}
        self.modules[path] = module
        folder = file.parent if file.name in ("mod.rs", "lib.rs", "main.rs") else file.with_suffix("")
        for child in sorted(children):
            for candidate in (folder / f"{child}.rs", folder / child / "mod.rs"):
                if candidate.exists():
                    self.load(path + (child,), candidate)
                    break

    def absolute(self, module, segments):
        """A use path made absolute from `module`, or None for another crate's path."""
        if not segments:
            return None
        head, rest = segments[0], segments[1:]
        if head == "crate":
            return list(rest)
        if head == "self":
            return list(module) + list(rest)
        if head == "super":
            base = list(module)
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
            return base[:-1] + list(rest)
        if head in self.modules[module]["children"]:
            return list(module) + list(segments)
        return None

    def collect_imports(self):
        for path, module in self.modules.items():
            for tree, _ in use_trees(module["text"]):
                for segments, name in use_entries(tree):
                    target = self.absolute(path, segments)
                    if target is None and segments and segments[0] in module["imports"]:
                        imported = module["imports"][segments[0]]
                        target = None if imported is None else imported + segments[1:]
                    if name is None:
                        if target is not None:
                            module["globs"].append(target)
                    elif name != "_":
                        module["imports"].setdefault(name, target)

    def resolve(self, segments, depth=0):
        """The module an absolute path names or defines its last item in."""
        module = ()
        for i, segment in enumerate(segments):
            if segment in self.modules[module]["children"]:
                module = module + (segment,)
                continue
            imported = self.modules[module]["imports"].get(segment)
            if imported is not None and depth < 20:
                return self.resolve(imported + segments[i + 1:], depth + 1)
            return module
        return module

    def uses(self):
        """(from module, to module, file, line, text) for every use of another module."""
        self.collect_imports()
        found = []
        for path, module in self.modules.items():
            text = module["text"]

            def add(segments, offset, shown):
                target = self.absolute(path, segments)
                if target is None:
                    imported = module["imports"].get(segments[0])
                    if imported is None:
                        return
                    target = imported + segments[1:]
                to = self.resolve(target)
                if to != path:
                    line = text.count("\n", 0, offset) + 1
                    found.append((path, to, module["file"], line, shown))

            use_spans = []
            for tree, offset in use_trees(text):
                use_spans.append((offset, text.find(";", offset)))
                for segments, _ in use_entries(tree):
                    if segments:
                        add(segments, offset, "::".join(segments))
            for m in PATH_START.finditer(text):
                if any(a <= m.start() <= b for a, b in use_spans):
                    continue
                segments = [m.group(1)] + re.findall(IDENT, m.group(2))
                add(segments, m.start(), "::".join(segments))
        return found


def level_edges(uses):
    """Edges between siblings: {parent module: {(a, b): [evidence]}}, where a and b are
    children of the parent and a use goes from inside a to inside b."""
    levels = {}
    for source, target, file, line, shown in uses:
        common = 0
        while common < min(len(source), len(target)) and source[common] == target[common]:
            common += 1
        if common == len(source) or common == len(target):
            continue  # a module and its own parent or child: not two siblings
        parent = source[:common]
        a, b = source[: common + 1], target[: common + 1]
        levels.setdefault(parent, {}).setdefault((a, b), []).append((file, line, shown))
    return levels


def circles(nodes, edges):
    """Every elementary circle of a small directed graph, each once, starting at its least node."""
    found = []
    order = sorted(nodes)
    succ = {n: sorted(b for (a, b) in edges if a == n) for n in order}
    for i, start in enumerate(order):
        allowed = set(order[i:])
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in succ[node]:
                if nxt == start:
                    found.append(path + [start])
                elif nxt in allowed and nxt not in path:
                    stack.append((nxt, path + [nxt]))
    return sorted(found, key=lambda c: (len(c), c))


def name(module):
    return "::".join(module) or "crate"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent.parent / "src")
    parser.add_argument("--graph", action="store_true", help="print every edge as `a -> b`")
    args = parser.parse_args()

    roots = [(label, args.src / file) for label, file in (("library", "lib.rs"), ("binary", "main.rs"))]
    total = 0
    for label, root in roots:
        if not root.exists():
            continue
        crate = Crate(root, args.src)
        levels = level_edges(crate.uses())
        for parent in sorted(levels):
            edges = levels[parent]
            title = (f"{label}: top-level modules" if not parent
                     else f"{label}: submodules of {name(parent)}")
            nodes = {n for edge in edges for n in edge}
            found = circles(nodes, edges)
            total += len(found)
            if args.graph:
                print(f"{title}: {len(edges)} edge{'s' if len(edges) != 1 else ''}")
                for a, b in sorted(edges):
                    print(f"  {name(a)} -> {name(b)}")
            if found:
                print(f"{title}: {len(found)} circle{'s' if len(found) != 1 else ''}")
                for circle in found:
                    print("  " + " -> ".join(name(n) for n in circle))
                    for a, b in zip(circle, circle[1:]):
                        file, line, shown = edges[(a, b)][0]
                        more = len(edges[(a, b)]) - 1
                        also = f" (+{more} more)" if more else ""
                        print(f"      {name(a)} -> {name(b)}: "
                              f"{file.relative_to(args.src.parent)}:{line} {shown}{also}")
    if total:
        print(f"{total} import circle{'s' if total != 1 else ''}")
        return 1
    print("no import circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
