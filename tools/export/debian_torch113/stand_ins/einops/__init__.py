"""Stand-in for einops (not in Debian): rearrange and repeat for the patterns AudioLDM uses.

Supports named axes, parenthesised groups and `()`; no ellipsis. Sizes are taken from the tensor
with `x.shape[i]` and combined with `*` and `//` only (never int()), so the ONNX tracer records
them as graph arithmetic and dynamic axes stay dynamic.
"""
import re

__all__ = ["rearrange", "repeat"]


def _groups(side):
    groups, current = [], None
    for token in re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d+|\S", side):
        if token == "(":
            current = []
        elif token == ")":
            groups.append(current)
            current = None
        elif token.isidentifier():
            if current is not None:
                current.append(token)
            else:
                groups.append([token])
        else:
            raise ValueError(f"einops stand-in: unsupported token {token!r} in {side!r}")
    return groups


def _parse(pattern):
    left, arrow, right = pattern.partition("->")
    if not arrow:
        raise ValueError(f"einops stand-in: pattern {pattern!r} has no '->'")
    return _groups(left), _groups(right)


def _axis_sizes(x, groups, known):
    if len(groups) != x.dim():
        raise ValueError(f"einops stand-in: {len(groups)} groups for a tensor of rank {x.dim()}")
    sizes = dict(known)
    for group, size in zip(groups, x.shape):
        unknown = [a for a in group if a not in sizes]
        if len(unknown) > 1:
            raise ValueError(f"einops stand-in: cannot infer {unknown} in group {group}")
        if unknown:
            product = 1
            for a in group:
                if a in sizes:
                    product = product * sizes[a]
            sizes[unknown[0]] = size // product
    return sizes


def _product(group, sizes):
    size = 1
    for a in group:
        size = size * sizes[a]
    return size


def rearrange(x, pattern, **known):
    left, right = _parse(pattern)
    sizes = _axis_sizes(x, left, known)
    axes = [a for g in left for a in g]
    x = x.reshape([sizes[a] for a in axes])
    order = [axes.index(a) for g in right for a in g]
    if order != list(range(len(order))):
        x = x.permute(order)
    return x.reshape([_product(g, sizes) for g in right])


def repeat(x, pattern, **known):
    left, right = _parse(pattern)
    sizes = _axis_sizes(x, left, known)
    axes = [a for g in left for a in g]
    x = x.reshape([sizes[a] for a in axes])
    kept = [a for g in right for a in g if a in axes]
    order = [axes.index(a) for a in kept]
    if order != list(range(len(order))):
        x = x.permute(order)
    view = [sizes[a] if a in axes else 1 for g in right for a in g]
    full = [sizes[a] if a in axes else known[a] for g in right for a in g]
    x = x.reshape(view).expand(full)
    return x.reshape([_product(g, {**known, **sizes}) for g in right])
