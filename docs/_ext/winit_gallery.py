"""The gallery: for every scheme, a histogram of generated values with the theoretical
density overlaid, and heat maps of the structured schemes (orthogonal WᵀW, sparse
masks, identity/dirac/delta-orthogonal kernels).

Used two ways:

- as a Sphinx extension (``extensions = ["winit_gallery"]`` in docs/conf.py): the
  pictures are drawn at ``builder-inited`` into ``<srcdir>/<winit_gallery_dir>``
  (``_gallery``, not committed), and the ``winit-gallery`` directive in
  docs/gallery.md lays them out, one section per scheme;
- as a library (tests/test_gallery.py): ``build(outdir)`` draws every picture into
  ``outdir`` and returns their paths; ``CASES`` holds, per scheme, the call, the
  theory (``Theory``: pdf, cdf, point masses) and ``Case.histogram()``, the very
  counts and expected counts the picture shows -- the test checks them with a
  chi-square test.

Run alone: ``python docs/_ext/winit_gallery.py OUTDIR``.

Only numpy, math and matplotlib (Agg): no scipy needed to draw.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

import numpy as np

import winit

SEED = 2024  # every picture is drawn from rng=SEED: the gallery is reproducible
TRUNC2_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


# ------------------------------------------------------------------ theory

def _phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


_erf = np.vectorize(math.erf, otypes=[float])


def _Phi(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(np.asarray(x, float) / math.sqrt(2.0)))


@dataclass(frozen=True)
class Theory:
    """The distribution a scheme's values follow (after ``Case.select``).

    kind: ``"uniform"`` (low, high), ``"normal"`` (mean, std), ``"truncnorm"`` (mean,
    std, lo, hi: N(mean, std²) restricted to [lo, hi]), ``"sphere"`` (n, gain: a
    coordinate of a uniform unit vector of R^n, times gain -- the entries of a Haar
    orthogonal matrix), or ``"atoms"`` (``atoms``: value -> exact count)."""
    kind: str
    params: dict[str, float] = field(default_factory=dict)
    atoms: dict[float, int] = field(default_factory=dict)

    @property
    def continuous(self) -> bool:
        return self.kind != "atoms"

    def support(self) -> tuple[float, float]:
        p = self.params
        if self.kind == "uniform":
            return p["low"], p["high"]
        if self.kind == "normal":
            return p["mean"] - 5 * p["std"], p["mean"] + 5 * p["std"]
        if self.kind == "truncnorm":
            return p["lo"], p["hi"]
        if self.kind == "sphere":
            w = min(1.0, 5.0 / math.sqrt(p["n"]))
            return -w * p["gain"], w * p["gain"]
        raise ValueError(self.kind)

    def pdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, float)
        p = self.params
        if self.kind == "uniform":
            return np.where((x >= p["low"]) & (x <= p["high"]), 1.0 / (p["high"] - p["low"]), 0.0)
        if self.kind == "normal":
            return _phi((x - p["mean"]) / p["std"]) / p["std"]
        if self.kind == "truncnorm":
            z = (x - p["mean"]) / p["std"]
            a, b = (p["lo"] - p["mean"]) / p["std"], (p["hi"] - p["mean"]) / p["std"]
            mass = float(_Phi(np.array(b)) - _Phi(np.array(a)))
            inside = (x >= p["lo"]) & (x <= p["hi"])
            return np.where(inside, _phi(z) / (p["std"] * mass), 0.0)
        if self.kind == "sphere":
            n, g = p["n"], p["gain"]
            t = x / g
            logc = math.lgamma(n / 2) - math.lgamma((n - 1) / 2) - 0.5 * math.log(math.pi)
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.exp(logc + (n - 3) / 2 * np.log1p(-t * t)) / g
            return np.where(np.abs(t) < 1, f, 0.0)
        raise ValueError(self.kind)

    def cdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, float)
        p = self.params
        if self.kind == "uniform":
            return np.clip((x - p["low"]) / (p["high"] - p["low"]), 0.0, 1.0)
        if self.kind == "normal":
            return _Phi((x - p["mean"]) / p["std"])
        if self.kind == "truncnorm":
            a, b = (p["lo"] - p["mean"]) / p["std"], (p["hi"] - p["mean"]) / p["std"]
            pa, pb = float(_Phi(np.array(a))), float(_Phi(np.array(b)))
            z = (np.clip(x, p["lo"], p["hi"]) - p["mean"]) / p["std"]
            return (_Phi(z) - pa) / (pb - pa)
        if self.kind == "sphere":
            # the pdf integrated numerically (Simpson on a fine grid over the support,
            # where all but ~1e-6 of the mass lies; the tails are added as their
            # normal approximation)
            lo, hi = self.support()
            grid = np.linspace(lo, hi, 40001)
            f = self.pdf(grid)
            h = grid[1] - grid[0]
            cum = np.concatenate([[0.0], np.cumsum((f[:-1] + f[1:]) * h / 2)])
            tail = (1.0 - cum[-1]) / 2
            return np.interp(x, grid, tail + cum, left=0.0, right=1.0)
        raise ValueError(self.kind)

    def label(self) -> str:
        p = self.params
        if self.kind == "uniform":
            return f"U({p['low']:.4g}, {p['high']:.4g})"
        if self.kind == "normal":
            return f"N({p['mean']:.4g}, {p['std']:.4g}²)"
        if self.kind == "truncnorm":
            return f"N({p['mean']:.4g}, {p['std']:.4g}²) on [{p['lo']:.4g}, {p['hi']:.4g}]"
        if self.kind == "sphere":
            return f"{p['gain']:.3g} × coordinate of a uniform unit vector in R^{int(p['n'])}"
        return ", ".join(f"{v:g}: {c} values" for v, c in self.atoms.items())


# ------------------------------------------------------------------ the cases

@dataclass(frozen=True)
class Case:
    """One scheme's picture: ``winit.<scheme>(shape, rng=SEED, **params)``, the values
    ``select`` keeps (all by default), the theory they follow, and heat maps."""
    scheme: str
    shape: tuple[int, ...]
    params: dict[str, Any]
    theory: Theory
    note: str = ""
    select: Callable[[np.ndarray], np.ndarray] | None = None
    heatmaps: tuple[str, ...] = ()
    bins: int = 60

    def values(self) -> np.ndarray:
        return getattr(winit, self.scheme)(self.shape, rng=SEED, **self.params)

    def sample(self, w: np.ndarray | None = None) -> np.ndarray:
        w = self.values() if w is None else w
        x = w if self.select is None else self.select(w)
        return np.asarray(x, np.float64).ravel()

    def histogram(self, x: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(bin edges, counts, expected counts) of the picture; for point masses the
        edges are the atoms' values and counts/expected their exact counts."""
        x = self.sample() if x is None else x
        th = self.theory
        if not th.continuous:
            vals = np.array(sorted(th.atoms), float)
            counts = np.array([np.count_nonzero(x == v) for v in vals], float)
            expected = np.array([th.atoms[v] for v in sorted(th.atoms)], float)
            return vals, counts, expected
        lo, hi = th.support()
        edges = np.linspace(lo, hi, self.bins + 1)
        counts, _ = np.histogram(np.clip(x, lo, hi), edges)
        cdf = th.cdf(edges)
        cdf[0], cdf[-1] = 0.0, 1.0  # the tails clipped into the end bins
        expected = np.diff(cdf) * x.size
        return edges, counts.astype(float), expected

    @property
    def title(self) -> str:
        args = [f"{k}={v!r}" for k, v in self.params.items()]
        if winit.get_scheme(self.scheme).random:
            args.append(f"rng={SEED}")
        return f"winit.{self.scheme}({', '.join([str(self.shape), *args])})"


def _fans_var(shape: tuple[int, ...], mode: str, scale: float) -> float:
    fi, fo = winit.compute_fans(shape)
    n = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2,
         "fan_geo_avg": math.sqrt(fi * fo)}[mode]
    return scale / n


def _uni(v: float) -> Theory:
    a = math.sqrt(3 * v)
    return Theory("uniform", dict(low=-a, high=a))


def _nor(v: float) -> Theory:
    return Theory("normal", dict(mean=0.0, std=math.sqrt(v)))


def _tn2(v: float) -> Theory:
    s = math.sqrt(v) / TRUNC2_STD
    return Theory("truncnorm", dict(mean=0.0, std=s, lo=-2 * s, hi=2 * s))


DENSE = (256, 512)        # (in, out): fan_in 256, fan_out 512
CONV = (3, 3, 16, 32)     # a Conv2D kernel (kh, kw, in, out)
ORTHO = (512, 256)        # tall: orthonormal columns of length 512
DELTA = (3, 3, 128, 256)  # centre tap: a (128, 256) matrix with orthonormal rows
SPARSE = (256, 512)
SPARSITY = 0.75


def _centre(w: np.ndarray) -> np.ndarray:
    return w[tuple((k - 1) // 2 for k in w.shape[:-2])]


def _nonzero(w: np.ndarray) -> np.ndarray:
    return w[w != 0]


def _dirac_ones(shape: tuple[int, ...], groups: int) -> int:
    per = shape[-1] // groups
    return groups * min(per, shape[-2])


CASES: tuple[Case, ...] = (
    Case("zeros", (64, 64), {}, Theory("atoms", atoms={0.0: 64 * 64})),
    Case("ones", (64, 64), {}, Theory("atoms", atoms={1.0: 64 * 64})),
    Case("constant", (64, 64), dict(value=0.5), Theory("atoms", atoms={0.5: 64 * 64})),
    Case("uniform", (512, 256), dict(low=-1.0, high=1.0),
         Theory("uniform", dict(low=-1.0, high=1.0))),
    Case("normal", (512, 256), dict(mean=0.0, std=1.0),
         Theory("normal", dict(mean=0.0, std=1.0))),
    Case("truncated_normal", (512, 256), dict(mean=0.0, std=1.0, lo=-1.0, hi=2.5),
         Theory("truncnorm", dict(mean=0.0, std=1.0, lo=-1.0, hi=2.5)),
         note="An asymmetric interval, sampled by inverse CDF: no clamping, no rejection."),
    Case("variance_scaling", DENSE, dict(scale=1.0, mode="fan_in",
                                         distribution="truncated_normal"),
         _tn2(_fans_var(DENSE, "fan_in", 1.0)),
         note="Truncated at ±2σ with σ = √v / 0.8796…, so the variance is exactly "
              "v = scale / fan_in."),
    Case("glorot_uniform", DENSE, {}, _uni(_fans_var(DENSE, "fan_avg", 1.0))),
    Case("glorot_normal", DENSE, {}, _nor(_fans_var(DENSE, "fan_avg", 1.0))),
    Case("kaiming_uniform", DENSE, {}, _uni(_fans_var(DENSE, "fan_in", 2.0))),
    Case("kaiming_normal", DENSE, {}, _nor(_fans_var(DENSE, "fan_in", 2.0))),
    Case("lecun_uniform", DENSE, {}, _uni(_fans_var(DENSE, "fan_in", 1.0))),
    Case("lecun_normal", DENSE, dict(distribution="truncated_normal"),
         _tn2(_fans_var(DENSE, "fan_in", 1.0))),
    Case("orthogonal", ORTHO, {}, Theory("sphere", dict(n=ORTHO[0], gain=1.0)),
         note="Each column of a Haar-random matrix with orthonormal columns is a uniform "
              "unit vector, so an entry x has density ∝ (1 − x²)^((n−3)/2). "
              "The heat map is WᵀW: the identity.",
         heatmaps=("gram",)),
    Case("delta_orthogonal", DELTA, {}, Theory("sphere", dict(n=DELTA[-1], gain=1.0)),
         select=_centre,
         note="The histogram is of the centre tap, a (128, 256) matrix with orthonormal "
              "rows; every other tap is zero (heat maps: the norm of each tap, and W Wᵀ "
              "of the centre tap).",
         heatmaps=("taps", "gram"), bins=50),
    Case("dirac", CONV, dict(groups=2),
         Theory("atoms", atoms={0.0: math.prod(CONV) - _dirac_ones(CONV, 2),
                                1.0: _dirac_ones(CONV, 2)}),
         note="With groups=2, each half of the output channels copies the input channels.",
         heatmaps=("kernel",)),
    Case("identity_init", (32, 48), {},
         Theory("atoms", atoms={0.0: 32 * 48 - 32, 1.0: 32}),
         note="2-D: gain · eye(rows, cols); kernels of rank ≥ 3: eye(in, out) at the centre "
              "tap (second heat map, a (3, 3, 16, 16) kernel).",
         heatmaps=("matrix", "kernel")),
    Case("sparse_init", SPARSE, dict(sparsity=SPARSITY, std=0.01),
         Theory("normal", dict(mean=0.0, std=0.01)), select=_nonzero,
         note=f"Each input unit (row) has exactly ⌈{SPARSITY} · {SPARSE[1]}⌉ = "
              f"{math.ceil(SPARSITY * SPARSE[1])} zero weights; the histogram is of the "
              "non-zero ones. Heat map: the mask of the first 64 × 128 block.",
         heatmaps=("mask",)),
)

#: every canonical scheme has a case (tests/test_gallery.py checks it)
CASE_OF = {c.scheme: c for c in CASES}


# ------------------------------------------------------------------ drawing

def _plt() -> Any:
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


DPI = 80


def hist_path(outdir: Path, scheme: str) -> Path:
    return Path(outdir) / f"hist_{scheme}.png"


def heat_path(outdir: Path, scheme: str, kind: str) -> Path:
    return Path(outdir) / f"heat_{scheme}_{kind}.png"


def draw_histogram(case: Case, w: np.ndarray, path: Path) -> Path:
    plt = _plt()
    x = case.sample(w)
    edges, counts, expected = case.histogram(x)
    fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=DPI)
    th = case.theory
    if th.continuous:
        width = np.diff(edges)
        ax.stairs(counts / (x.size * width), edges, fill=True, color="#9ecae1",
                  label=f"{x.size} values")
        ax.stairs(counts / (x.size * width), edges, color="#3182bd", linewidth=0.6)
        grid = np.linspace(edges[0], edges[-1], 600)
        ax.plot(grid, th.pdf(grid), color="#d62728", lw=1.6, label=th.label())
        ax.set_ylabel("density")
    else:
        ax.bar(edges, counts, width=0.08, color="#9ecae1", edgecolor="#3182bd",
               label=f"{x.size} values")
        ax.plot(edges, expected, "o", color="#d62728", ms=7, mfc="none", mew=1.6,
                label="theory: " + th.label())
        ax.set_ylabel("count (log scale)")
        ax.set_yscale("log")
        ax.set_ylim(0.5, x.size * 3)
        ax.set_xlim(min(-0.5, edges.min() - 0.5), max(1.5, edges.max() + 0.5))
    ax.set_xlabel("value")
    ax.set_title(case.title, fontsize=8)
    ax.legend(fontsize=7, loc="upper right", frameon=False)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.9)
    fig.savefig(path)
    plt.close(fig)
    return path


def _heat(ax: Any, m: np.ndarray, title: str, cmap: str = "RdBu_r",
          sym: bool = True) -> Any:
    lim = float(np.abs(m).max()) or 1.0
    im = ax.imshow(m, cmap=cmap, vmin=-lim if sym else 0.0, vmax=lim, interpolation="nearest",
                   aspect="auto")
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=6)
    return im


def draw_heatmap(case: Case, w: np.ndarray, kind: str, path: Path) -> Path:
    plt = _plt()
    if kind == "kernel":  # a conv kernel as its kh x kw taps, each an (in, out) matrix
        k = w if w.ndim == 4 else winit.identity_init((3, 3, 16, 16))
        kh, kw = k.shape[:2]
        fig, axes = plt.subplots(kh, kw, figsize=(5.0, 4.2), dpi=DPI, squeeze=False)
        for i in range(kh):
            for j in range(kw):
                ax = axes[i][j]
                ax.imshow(k[i, j], cmap="Greys", vmin=0, vmax=1, interpolation="nearest",
                          aspect="auto")
                ax.set_xticks([]), ax.set_yticks([])
                ax.set_title(f"tap ({i}, {j})", fontsize=7)
        fig.suptitle(f"winit.{case.scheme}{k.shape}{', groups=2' if case.scheme == 'dirac' else ''}"
                     ": each tap's (in, out) matrix", fontsize=8)
    else:
        fig, ax = plt.subplots(figsize=(4.6, 3.9), dpi=DPI)
        if kind == "gram":
            if w.ndim > 2:
                c = _centre(w).astype(np.float64)
                m, title = c @ c.T, "W Wᵀ of the centre tap (128 × 128)"
            else:
                m = w.astype(np.float64).T @ w.astype(np.float64)
                title = f"WᵀW ({m.shape[0]} × {m.shape[1]}); max |WᵀW − I| = " \
                        f"{np.abs(m - np.eye(m.shape[0])).max():.1e}"
            im = _heat(ax, m, title)
        elif kind == "taps":
            m = np.sqrt((w.astype(np.float64) ** 2).sum(axis=(-2, -1)))
            im = _heat(ax, m, "Frobenius norm of each tap (kh × kw)", cmap="viridis", sym=False)
            ax.set_xticks(range(m.shape[1])), ax.set_yticks(range(m.shape[0]))
            for (i, j), v in np.ndenumerate(m):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                        color="black" if v > m.max() / 2 else "white")
        elif kind == "mask":
            m = (w[:64, :128] != 0).astype(float)
            im = _heat(ax, m, "non-zero mask, rows 0–63 × columns 0–127 (black: non-zero)",
                       cmap="Greys", sym=False)
        elif kind == "matrix":
            im = _heat(ax, w.astype(np.float64), f"winit.{case.scheme}{w.shape}", cmap="Greys",
                       sym=False)
        else:
            raise ValueError(kind)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def build(outdir: str | Path, cases: tuple[Case, ...] = CASES) -> list[Path]:
    """Draw every picture of ``cases`` into ``outdir``; returns the paths written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases:
        w = case.values()
        paths.append(draw_histogram(case, w, hist_path(outdir, case.scheme)))
        for kind in case.heatmaps:
            paths.append(draw_heatmap(case, w, kind, heat_path(outdir, case.scheme, kind)))
    return paths


def expected_paths(outdir: str | Path, cases: tuple[Case, ...] = CASES) -> list[Path]:
    out = []
    for case in cases:
        out.append(hist_path(Path(outdir), case.scheme))
        out += [heat_path(Path(outdir), case.scheme, k) for k in case.heatmaps]
    return out


# ------------------------------------------------------------------ Sphinx

def _markdown(gallery_dir: str) -> str:
    """The gallery's sections (MyST Markdown, as docs/gallery.md): one per scheme."""
    lines = []
    for case in CASES:
        spec = winit.get_scheme(case.scheme)
        lines += [f"## {case.scheme}", "", f"{spec.summary} See {{func}}`winit.{case.scheme}`.",
                  "", f"`{case.title}` — theory: {case.theory.label()}.", ""]
        if case.note:
            lines += [case.note, ""]
        lines += [f"![histogram of winit.{case.scheme} with its theoretical density]"
                  f"(/{gallery_dir}/{hist_path(Path(''), case.scheme).name})", ""]
        for kind in case.heatmaps:
            lines += [f"![{kind} heat map of winit.{case.scheme}]"
                      f"(/{gallery_dir}/{heat_path(Path(''), case.scheme, kind).name})", ""]
    return "\n".join(lines)


def setup(app: Any) -> dict[str, Any]:
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles

    app.add_config_value("winit_gallery_dir", "_gallery", "html")

    def draw(app: Any) -> None:
        out = Path(app.srcdir) / app.config.winit_gallery_dir
        build(out)

    class GalleryDirective(SphinxDirective):
        """```` ```{winit-gallery} ```` (in a MyST page): every scheme's section, with its
        pictures."""
        has_content = False

        def run(self) -> list[Any]:
            from docutils import nodes
            node = nodes.section()
            node.document = self.state.document
            text = StringList(_markdown(self.config.winit_gallery_dir).splitlines(),
                              source="winit-gallery")
            nested_parse_with_titles(self.state, text, node)
            return list(node.children)

    app.connect("builder-inited", draw)
    app.add_directive("winit-gallery", GalleryDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    for p in build(sys.argv[1] if len(sys.argv) > 1 else "_gallery"):
        print(p)
