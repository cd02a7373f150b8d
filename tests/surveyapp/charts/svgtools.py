"""Reading the charts' SVG as a reader (or a screen reader) would: elements by class, texts, coordinates."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def by_class(root: ET.Element, *wanted: str) -> list[ET.Element]:
    """Elements whose class attribute holds every one of ``wanted``, in document order."""
    return [el for el in root.iter() if set(wanted) <= classes(el)]


def text(element: ET.Element) -> str:
    """The visible text of an element: its own and its tspans', without <title> tooltips, lines joined by spaces."""
    if element.tag == f"{SVG}text":
        parts = [element.text or ""] + [" ".join(t.itertext()) for t in element.findall(f"{SVG}tspan")]
        return " ".join(p for p in parts if p)
    return " ".join(text(t) for t in element.iter(f"{SVG}text"))


def texts(root: ET.Element) -> list[str]:
    return [text(t) for t in root.iter(f"{SVG}text")]


def title(element: ET.Element) -> str:
    found = element.find(f"{SVG}title")
    return found.text if found is not None and found.text else ""


def num(element: ET.Element, name: str) -> float:
    return float(element.get(name))


def path_points(d: str) -> list[list[tuple[float, float]]]:
    """The vertices of path data made of M, L, H, V and Z commands, one list per subpath."""
    subpaths: list[list[tuple[float, float]]] = []
    x = y = 0.0
    for command, args in re.findall(r"([MLHVZ])([^MLHVZ]*)", d):
        values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = values
            subpaths.append([(x, y)])
        elif command == "L":
            x, y = values
            subpaths[-1].append((x, y))
        elif command == "H":
            x = values[0]
            subpaths[-1].append((x, y))
        elif command == "V":
            y = values[0]
            subpaths[-1].append((x, y))
    return subpaths


def marker_centre(element: ET.Element) -> tuple[float, float]:
    """The centre of a point marker: a circle's centre, or the centroid of a triangle path."""
    if element.tag == f"{SVG}circle":
        return num(element, "cx"), num(element, "cy")
    vertices = path_points(element.get("d"))[0]
    return sum(v[0] for v in vertices) / len(vertices), sum(v[1] for v in vertices) / len(vertices)


def tick_positions(root: ET.Element, *wanted: str, axis: str = "x") -> dict[str, float]:
    """Tick label text → its x (or y, at the middle of the text) coordinate."""
    out = {}
    wanted = wanted or (f"{axis}-tick",) if by_class(root, f"{axis}-tick") else wanted
    for tick in by_class(root, "tick", *wanted):
        if axis == "x":
            out[text(tick)] = num(tick, "x")
        else:
            out[text(tick)] = num(tick, "y") - 14 * 0.35
    return out


def share_of(label: str) -> float:
    """``"91,2%"`` or ``"91.2%"`` → 0.912."""
    return float(label.rstrip("%").replace(",", ".")) / 100


def share_scale(root: ET.Element, axis: str = "x"):
    """A chart's share scale, from its first and last percentage tick labels."""
    ticks = sorted(
        (coordinate, share_of(label))
        for label, coordinate in tick_positions(root, axis=axis).items()
        if label.endswith("%")
    )
    (ca, va), (cb, vb) = ticks[0], ticks[-1]
    return linear((va, ca), (vb, cb))


def linear(a: tuple[float, float], b: tuple[float, float]):
    """The map through two (value, coordinate) pairs."""
    (va, ca), (vb, cb) = a, b
    return lambda v: ca + (v - va) / (vb - va) * (cb - ca)


def logarithmic(a: tuple[float, float], b: tuple[float, float]):
    (va, ca), (vb, cb) = a, b
    return lambda v: ca + (math.log10(v) - math.log10(va)) / (math.log10(vb) - math.log10(va)) * (cb - ca)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear_channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    r, g, b = linear_channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def inherited(root: ET.Element, element: ET.Element, name: str) -> str | None:
    """The value of a presentation attribute on ``element`` or its nearest ancestor that sets it."""
    parents = {child: parent for parent in root.iter() for child in parent}
    node: ET.Element | None = element
    while node is not None:
        if node.get(name) is not None:
            return node.get(name)
        node = parents.get(node)
    return None
